"""Alert subscriptions: one user's filters and channels (create, read, update, delete).

Every function takes the owner's id and filters on it; on PostgreSQL the
caller's transaction also runs as that user, so row-level security is a
second wall. Prices in dollars, moves in percent, quiet hours ``HH:MM`` in
the user's time zone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import AlertSubscriptionRow

__all__ = [
    "SUBSCRIPTION_FIELDS",
    "add_subscription",
    "delete_subscription",
    "get_subscription",
    "list_subscriptions",
    "update_subscription",
]

#: The columns a user may set.
SUBSCRIPTION_FIELDS = frozenset(
    {
        "name",
        "alert_types",
        "symbols",
        "min_price",
        "max_price",
        "min_pct_move",
        "quiet_start",
        "quiet_end",
        "channels",
        "webhook_url",
        "webhook_secret",
        "enabled",
        "auto_trade",
        "auto_trade_quantity",
        "auto_trade_risk",
        "auto_trade_stop_pct",
        "auto_trade_target_pct",
    }
)


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - SUBSCRIPTION_FIELDS
    if unknown:
        raise ValueError(f"not subscription fields: {', '.join(sorted(unknown))}")
    return values


async def add_subscription(
    session: AsyncSession, *, user_id: str, values: dict[str, Any]
) -> AlertSubscriptionRow:
    """Store a new subscription for ``user_id``."""
    row = AlertSubscriptionRow(user_id=user_id, **_checked(values))
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def list_subscriptions(session: AsyncSession, *, user_id: str) -> list[AlertSubscriptionRow]:
    """The user's subscriptions, oldest first."""
    query = (
        select(AlertSubscriptionRow)
        .where(AlertSubscriptionRow.user_id == user_id)
        .order_by(AlertSubscriptionRow.id)
    )
    return list((await session.scalars(query)).all())


async def get_subscription(
    session: AsyncSession, *, user_id: str, subscription_id: int
) -> AlertSubscriptionRow | None:
    """One of the user's subscriptions, or None (also when it is someone else's)."""
    query = select(AlertSubscriptionRow).where(
        AlertSubscriptionRow.id == subscription_id, AlertSubscriptionRow.user_id == user_id
    )
    return (await session.scalars(query)).first()


async def update_subscription(
    session: AsyncSession, *, user_id: str, subscription_id: int, values: dict[str, Any]
) -> AlertSubscriptionRow | None:
    """Change the given fields; None when the user has no such subscription."""
    row = await get_subscription(session, user_id=user_id, subscription_id=subscription_id)
    if row is None:
        return None
    for name, value in _checked(values).items():
        setattr(row, name, value)
    await session.flush()
    return row


async def delete_subscription(session: AsyncSession, *, user_id: str, subscription_id: int) -> bool:
    """Delete one of the user's subscriptions; False when there was none."""
    result = await session.execute(
        delete(AlertSubscriptionRow).where(
            AlertSubscriptionRow.id == subscription_id, AlertSubscriptionRow.user_id == user_id
        )
    )
    return bool(getattr(result, "rowcount", 0))
