"""Deleting finished notifier rows past their retention, one bounded chunk per transaction.

- ``notify_deliveries``: rows ``sent`` (a webhook's last attempt and a
  settled auto-trade are ``sent`` too), recorded before the cutoff, and of an
  alert below the feed's floor (no notifier can be handed that alert again).
  Rows ``pending`` or ``held`` are never deleted. The highest alert id a
  chunk deleted raises a mark (a row of ``notifier_cursors``), in the same
  transaction: the ledger records nothing for an alert at or below it, so
  even a feed that hands out an old alert again (a stale cursor, a group
  created from the stream's start) texts nothing twice.
- ``sms_outbox``: queue rows ``done`` or ``dead`` last attempted before the
  cutoff. The texts themselves (``sms_messages``, the SMS log, with their
  status, cost and opt-in history) are kept.

Each call deletes at most ``limit`` rows: SQLite has one writer, so the
caller commits between chunks and the notifier's own writes go in between.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import NotifierCursorRow, NotifyDeliveryRow, SmsOutboxRow
from tradeassist.store.upsert import insert_for

__all__ = ["PRUNED_MARK", "prune_deliveries", "prune_outbox", "pruned_through"]

#: The ``notifier_cursors`` row holding the highest alert id whose deliveries were deleted.
PRUNED_MARK = "notify_deliveries:pruned"


async def pruned_through(session: AsyncSession) -> int:
    """The highest alert id whose deliveries may have been deleted (0: none yet)."""
    found = await session.scalar(
        select(NotifierCursorRow.last_alert_id).where(NotifierCursorRow.name == PRUNED_MARK)
    )
    return int(found or 0)


async def prune_deliveries(
    session: AsyncSession, *, before: datetime, below_alert: int, limit: int
) -> int:
    """Delete up to ``limit`` sent deliveries recorded before ``before`` of alerts below
    ``below_alert``, raising the mark in the caller's transaction; how many went."""
    chosen = await session.execute(
        select(NotifyDeliveryRow.id, NotifyDeliveryRow.alert_id)
        .where(
            NotifyDeliveryRow.state == "sent",
            NotifyDeliveryRow.created_at < before,
            NotifyDeliveryRow.alert_id < below_alert,
        )
        .limit(limit)
    )
    rows = chosen.all()
    if not rows:
        return 0
    await session.execute(
        delete(NotifyDeliveryRow).where(NotifyDeliveryRow.id.in_([r.id for r in rows]))
    )
    await _raise_mark(session, max(r.alert_id for r in rows))
    return len(rows)


async def prune_outbox(session: AsyncSession, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` queue rows done or dead and last attempted before ``before``."""
    ids = (
        await session.scalars(
            select(SmsOutboxRow.id)
            .where(SmsOutboxRow.state.in_(("done", "dead")), SmsOutboxRow.next_attempt_at < before)
            .limit(limit)
        )
    ).all()
    if not ids:
        return 0
    await session.execute(delete(SmsOutboxRow).where(SmsOutboxRow.id.in_(ids)))
    return len(ids)


async def _raise_mark(session: AsyncSession, alert_id: int) -> None:
    """The mark at ``alert_id`` unless already higher (one statement: replicas may race)."""
    table = cast(Any, NotifierCursorRow.__table__)
    statement = insert_for(session.get_bind().dialect.name, table).values(
        name=PRUNED_MARK, last_alert_id=alert_id
    )
    higher = statement.excluded.last_alert_id > table.c.last_alert_id
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={
                "last_alert_id": case(
                    (higher, statement.excluded.last_alert_id), else_=table.c.last_alert_id
                ),
                "updated_at": func.now(),
            },
        )
    )
