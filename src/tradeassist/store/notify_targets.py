"""What the notifier loads to build its subscription index: enabled subscriptions and their users.

Read as the service (not as a user): the notifier needs everyone's. Plain
values out, so the matching code imports nothing from the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import AlertSubscriptionRow, SmsUserStateRow, UserRow

__all__ = ["TargetUser", "load_targets"]


@dataclass(frozen=True, slots=True)
class TargetUser:
    """A subscriber with what decides whether they may be texted."""

    id: str
    timezone: str
    phone: str | None
    phone_verified: bool
    sms_opt_in: bool
    opted_out: bool
    muted_until: datetime | None
    sms_alert_types: list[str] | None


async def load_targets(
    session: AsyncSession, *, user_ids: list[str] | None = None
) -> tuple[list[AlertSubscriptionRow], list[TargetUser]]:
    """Enabled subscriptions and the users who own them (all, or only ``user_ids``)."""
    subs_query = select(AlertSubscriptionRow).where(AlertSubscriptionRow.enabled.is_(True))
    if user_ids is not None:
        subs_query = subs_query.where(AlertSubscriptionRow.user_id.in_(user_ids))
    subs = list((await session.scalars(subs_query.order_by(AlertSubscriptionRow.id))).all())
    owners = sorted({s.user_id for s in subs})
    users: list[TargetUser] = []
    for start in range(0, len(owners), 500):  # stay under every driver's parameter limit
        chunk = owners[start : start + 500]
        rows = await session.execute(
            select(UserRow, SmsUserStateRow)
            .outerjoin(SmsUserStateRow, SmsUserStateRow.user_id == UserRow.id)
            .where(UserRow.id.in_(chunk))
        )
        users.extend(_target(user, state) for user, state in rows)
    return subs, users


def _target(user: UserRow, state: SmsUserStateRow | None) -> TargetUser:
    types: Any = None if state is None else state.alert_types
    return TargetUser(
        id=user.id,
        timezone=user.timezone,
        phone=user.phone,
        phone_verified=user.phone_verified_at is not None,
        sms_opt_in=user.sms_opt_in,
        opted_out=user.sms_opted_out_at is not None,
        muted_until=None if state is None else state.muted_until,
        sms_alert_types=list(types) if types is not None else None,
    )
