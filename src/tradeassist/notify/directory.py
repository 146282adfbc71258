"""Builds the subscription index from the database (subscriptions, their users, SMS state)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.notify.matching import (
    AutoTrade,
    QuietHours,
    SubscriptionIndex,
    SubscriptionSpec,
    UserSpec,
)
from tradeassist.store.notify_targets import TargetUser, load_targets
from tradeassist.store.tables import AlertSubscriptionRow

__all__ = ["load_index", "subscription_spec", "user_spec"]


def _names(values: Iterable[str] | None, *, upper: bool) -> frozenset[str] | None:
    if values is None:
        return None
    return frozenset(v.strip().upper() if upper else v.strip().lower() for v in values)


def subscription_spec(row: AlertSubscriptionRow) -> SubscriptionSpec:
    """A stored subscription as the matcher reads it."""
    return SubscriptionSpec(
        id=row.id,
        user_id=row.user_id,
        channels=frozenset(row.channels or ()),
        alert_types=_names(row.alert_types, upper=False),
        symbols=_names(row.symbols, upper=True),
        min_price=row.min_price,
        max_price=row.max_price,
        min_pct_move=row.min_pct_move,
        quiet=QuietHours.from_text(row.quiet_start, row.quiet_end),
        webhook_url=row.webhook_url,
        webhook_secret=row.webhook_secret,
        name=row.name,
        auto_trade=AutoTrade(
            quantity=row.auto_trade_quantity,
            risk=row.auto_trade_risk,
            stop_pct=row.auto_trade_stop_pct,
            target_pct=row.auto_trade_target_pct,
        )
        if row.auto_trade
        else None,
    )


def user_spec(user: TargetUser) -> UserSpec:
    """A stored user as the matcher reads them; texts need a verified, consenting phone."""
    return UserSpec(
        id=user.id,
        timezone=user.timezone,
        phone=user.phone,
        sms_ok=user.phone is not None
        and user.phone_verified
        and user.sms_opt_in
        and not user.opted_out,
        muted_until=user.muted_until,
        sms_alert_types=_names(user.sms_alert_types, upper=False) if user.sms_alert_types else None,
    )


async def load_index(sessions: async_sessionmaker[AsyncSession]) -> SubscriptionIndex:
    """Every enabled subscription and its owner, read in one transaction."""
    async with sessions() as session:
        rows, users = await load_targets(session)
    return SubscriptionIndex((subscription_spec(r) for r in rows), (user_spec(u) for u in users))
