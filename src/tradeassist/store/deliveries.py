"""Outbound webhook deliveries (``webhook_deliveries``): one row per alert and subscription.

The row is created before the first attempt (``pending``) and updated after
each one, so the dashboard can show what was sent, when, and why it failed.
``(subscription_id, alert_id)`` is unique: the same alert is never delivered
to the same subscription twice, also across restarts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import WebhookDeliveryRow
from tradeassist.store.upsert import insert_for

__all__ = ["begin_delivery", "list_deliveries", "record_attempt"]


async def begin_delivery(
    session: AsyncSession, *, user_id: str, subscription_id: int, alert_id: int
) -> int | None:
    """The delivery row's id, or None when this alert already went to this subscription."""
    conn = await session.connection()
    table = WebhookDeliveryRow.__table__
    stmt = (
        insert_for(conn.dialect.name, table)  # type: ignore[arg-type]
        .values(user_id=user_id, subscription_id=subscription_id, alert_id=alert_id)
        .on_conflict_do_nothing(index_elements=[table.c.subscription_id, table.c.alert_id])
        .returning(table.c.id)
    )
    created = (await conn.execute(stmt)).scalar_one_or_none()
    if created is not None:
        return int(created)
    existing = await session.scalar(
        select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.subscription_id == subscription_id,
            WebhookDeliveryRow.alert_id == alert_id,
        )
    )
    # A row left pending by a crash is taken up again; delivered or failed ones are not.
    if existing is not None and existing.status == "pending":
        return existing.id
    return None


async def record_attempt(
    session: AsyncSession,
    *,
    delivery_id: int,
    status: str,
    attempts: int,
    error: str | None,
    delivered_at: datetime | None,
) -> None:
    """After an attempt: ``pending`` (will retry), ``delivered`` or ``failed``."""
    await session.execute(
        update(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.id == delivery_id)
        .values(
            status=status,
            attempts=attempts,
            last_error=None if error is None else error[:2000],
            delivered_at=delivered_at,
        )
    )


async def list_deliveries(
    session: AsyncSession, *, user_id: str, limit: int = 100
) -> list[WebhookDeliveryRow]:
    """The user's newest deliveries."""
    query = (
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.user_id == user_id)
        .order_by(WebhookDeliveryRow.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
