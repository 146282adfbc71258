"""Every SMS in and out (``sms_messages``): idempotent inbound, outbound records, receipts, spend.

Inbound texts are keyed by Twilio's ``MessageSid``, so a webhook Twilio
delivers twice is stored (and acted on) once. ``cost`` is dollars, estimated
when the text is queued (segments × price per segment) so daily caps can be
checked before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import SmsMessageRow
from tradeassist.store.upsert import insert_for

__all__ = [
    "FINAL_STATUSES",
    "UNBILLED_STATUSES",
    "StatusChange",
    "insert_inbound",
    "list_messages",
    "record_outbound",
    "set_sent",
    "set_status",
    "spent_since",
    "update_status",
]

#: Statuses Twilio never changes again.
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "received", "read"})
#: Our own statuses for texts that never reached the provider (they cost nothing).
UNBILLED_STATUSES = ("capped", "blocked", "denied")
# Twilio's outbound statuses in the order they happen; a late receipt never moves back.
_ORDER = {
    "queued": 0,
    "accepted": 1,
    "scheduled": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "read": 5,
    "undelivered": 4,
    "failed": 4,
}


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A receipt that changed a stored message: its id, owner and the old and new status."""

    message_id: int
    user_id: str | None
    old: str
    new: str


async def insert_inbound(
    session: AsyncSession,
    *,
    sid: str,
    user_id: str | None,
    from_number: str,
    to_number: str,
    body: str,
    status: str = "received",
) -> int | None:
    """Store an inbound text; its id, or None when this ``sid`` was stored before."""
    conn = await session.connection()
    table = SmsMessageRow.__table__
    stmt = (
        insert_for(conn.dialect.name, table)  # type: ignore[arg-type]
        .values(
            user_id=user_id,
            direction="in",
            from_number=from_number,
            to_number=to_number,
            body=body,
            twilio_sid=sid,
            status=status,
        )
        .on_conflict_do_nothing(index_elements=[table.c.twilio_sid])
        .returning(table.c.id)
    )
    created = (await conn.execute(stmt)).scalar_one_or_none()
    return None if created is None else int(created)


async def record_outbound(
    session: AsyncSession,
    *,
    user_id: str | None,
    from_number: str,
    to_number: str,
    body: str,
    status: str,
    cost: float | None,
    sid: str | None = None,
    at: datetime | None = None,
) -> int:
    """Store an outbound text (queued, sent in a TwiML reply, or not sent); its id.

    ``at`` is its creation time (default now): daily cost caps count from it.
    """
    row = SmsMessageRow(
        user_id=user_id,
        direction="out",
        from_number=from_number,
        to_number=to_number,
        body=body,
        status=status,
        cost=cost,
        twilio_sid=sid,
    )
    if at is not None:
        row.created_at = at
    session.add(row)
    await session.flush()
    return row.id


async def set_sent(
    session: AsyncSession, *, message_id: int, sid: str, status: str, from_number: str | None
) -> None:
    """The provider took the text: its ``sid`` and first status."""
    values: dict[str, object] = {"twilio_sid": sid, "status": status}
    if from_number:
        values["from_number"] = from_number
    await session.execute(
        update(SmsMessageRow).where(SmsMessageRow.id == message_id).values(**values)
    )


async def set_status(
    session: AsyncSession, *, message_id: int, status: str, error_code: str | None = None
) -> None:
    """Set a message's status (our own decisions: failed, blocked ...)."""
    await session.execute(
        update(SmsMessageRow)
        .where(SmsMessageRow.id == message_id)
        .values(status=status, error_code=error_code)
    )


async def update_status(
    session: AsyncSession, *, sid: str, status: str, error_code: str | None = None
) -> StatusChange | None:
    """Apply a delivery receipt; None when the sid is unknown or nothing changed.

    Receipts can arrive out of order or twice: a final status is never
    replaced, and a status is never moved back (``sent`` after ``delivered``).
    """
    row = await session.scalar(
        select(SmsMessageRow).where(SmsMessageRow.twilio_sid == sid).with_for_update()
    )
    if row is None or row.status == status or row.status in FINAL_STATUSES:
        return None
    if _ORDER.get(status, 0) < _ORDER.get(row.status, 0):
        return None
    old = row.status
    row.status = status
    if error_code:
        row.error_code = error_code[:16]
    await session.flush()
    return StatusChange(row.id, row.user_id, old, status)


async def spent_since(
    session: AsyncSession, *, since: datetime, user_id: str | None = None
) -> float:
    """Dollars of outbound texts created since ``since`` (one user's, or everyone's)."""
    query = select(func.coalesce(func.sum(SmsMessageRow.cost), 0.0)).where(
        SmsMessageRow.direction == "out",
        SmsMessageRow.created_at >= since,
        SmsMessageRow.status.not_in(UNBILLED_STATUSES),
    )
    if user_id is not None:
        query = query.where(SmsMessageRow.user_id == user_id)
    return float(await session.scalar(query) or 0.0)


async def list_messages(
    session: AsyncSession,
    *,
    user_id: str | None = None,
    direction: str | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[SmsMessageRow]:
    """The newest messages, in and out (one user's, or everyone's for the console outbox);
    ``before_id`` pages back."""
    query = select(SmsMessageRow).order_by(SmsMessageRow.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(SmsMessageRow.user_id == user_id)
    if direction is not None:
        query = query.where(SmsMessageRow.direction == direction)
    if status is not None:
        query = query.where(SmsMessageRow.status == status)
    if before_id is not None:
        query = query.where(SmsMessageRow.id < before_id)
    return list((await session.scalars(query)).all())
