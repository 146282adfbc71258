"""The durable SMS send queue (``sms_outbox``): texts wait here while Twilio is failing.

A sender claims due rows by pushing their ``next_attempt_at`` a lease ahead
(on PostgreSQL with ``FOR UPDATE SKIP LOCKED``; the update takes only rows
still due, so on SQLite, where the select locks nothing, a row another sender
has just claimed stays its own: several senders never take the same row),
sends outside the transaction, then marks the row done, due again later, or
dead. A sender that dies mid-send leaves the row due again
when its lease ends: a text is sent at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import SmsMessageRow, SmsOutboxRow

__all__ = ["OutboxItem", "claim_due", "enqueue", "mark_dead", "mark_done", "mark_retry", "pending"]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed text: the queue row, its message row, where it goes and what it says."""

    outbox_id: int
    message_id: int
    user_id: str | None
    kind: str
    to_number: str
    body: str
    attempts: int


async def enqueue(
    session: AsyncSession,
    *,
    message_id: int,
    user_id: str | None,
    kind: str,
    segments: int,
    due: datetime,
) -> int:
    """Queue the stored message ``message_id`` for sending from ``due``; the queue row's id."""
    row = SmsOutboxRow(
        message_id=message_id,
        user_id=user_id,
        kind=kind,
        segments=segments,
        state="pending",
        attempts=0,
        next_attempt_at=due,
    )
    session.add(row)
    await session.flush()
    return row.id


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: float
) -> list[OutboxItem]:
    """Up to ``limit`` due texts, oldest first, leased to the caller until ``now + lease``."""
    due = (
        select(SmsOutboxRow.id)
        .where(SmsOutboxRow.state == "pending", SmsOutboxRow.next_attempt_at <= now)
        .order_by(SmsOutboxRow.next_attempt_at, SmsOutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.scalars(due)).all())
    if not ids:
        return []
    taken = await session.scalars(
        update(SmsOutboxRow)
        .where(
            SmsOutboxRow.id.in_(ids),
            SmsOutboxRow.state == "pending",
            SmsOutboxRow.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=lease_seconds))
        .returning(SmsOutboxRow.id)
    )
    ids = list(taken.all())
    if not ids:
        return []
    rows = await session.execute(
        select(SmsOutboxRow, SmsMessageRow)
        .join(SmsMessageRow, SmsMessageRow.id == SmsOutboxRow.message_id)
        .where(SmsOutboxRow.id.in_(ids))
        .order_by(SmsOutboxRow.id)
    )
    return [
        OutboxItem(o.id, m.id, o.user_id, o.kind, m.to_number, m.body, o.attempts)
        for o, m in rows.all()
    ]


async def mark_done(session: AsyncSession, *, outbox_id: int, attempts: int) -> None:
    """The provider took the text."""
    await session.execute(
        update(SmsOutboxRow)
        .where(SmsOutboxRow.id == outbox_id)
        .values(state="done", attempts=attempts, last_error=None)
    )


async def mark_retry(
    session: AsyncSession, *, outbox_id: int, attempts: int, due: datetime, error: str
) -> None:
    """Sending failed in a way worth retrying: due again at ``due``."""
    await session.execute(
        update(SmsOutboxRow)
        .where(SmsOutboxRow.id == outbox_id)
        .values(attempts=attempts, next_attempt_at=due, last_error=error[:2000])
    )


async def mark_dead(session: AsyncSession, *, outbox_id: int, attempts: int, error: str) -> None:
    """Given up on (a permanent error, too many attempts, or the user opted out)."""
    await session.execute(
        update(SmsOutboxRow)
        .where(SmsOutboxRow.id == outbox_id)
        .values(state="dead", attempts=attempts, last_error=error[:2000])
    )


async def pending(session: AsyncSession) -> int:
    """How many texts wait in the queue."""
    query = select(func.count()).select_from(SmsOutboxRow).where(SmsOutboxRow.state == "pending")
    return int(await session.scalar(query) or 0)
