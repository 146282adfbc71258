"""The notifier's delivery ledger (``notify_deliveries``): what is owed, and what was handed on.

One row per (alert, user, channel, target): recorded ``pending`` (or
``held`` for a digest) in the same transaction that moves the notifier's
cursor, and set ``sent`` once handed on. Recording is ``INSERT ... ON
CONFLICT DO NOTHING``: a batch recorded twice (a redelivered stream entry)
yields nothing new. Claiming (``pending``/``held`` to ``sent`` in the
transaction that queues the text) is what makes a text exactly-once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import NotifyDeliveryRow
from tradeassist.store.upsert import insert_for

__all__ = ["DeliveryKey", "LedgerClaim", "claim", "mark_sent", "record", "unsent"]


@dataclass(frozen=True, slots=True)
class DeliveryKey:
    """What the ledger's unique key is made of; ``target`` is a subscription id or 0."""

    alert_id: int
    user_id: str
    channel: str
    target: int = 0


@dataclass(frozen=True, slots=True)
class LedgerClaim:
    """Deliveries of one user and channel to take (set ``sent``) from ``states``."""

    alert_ids: tuple[int, ...]
    user_id: str
    channel: str
    target: int = 0
    states: tuple[str, ...] = ("pending",)


async def record(
    session: AsyncSession, rows: Sequence[tuple[DeliveryKey, str, str]]
) -> set[DeliveryKey]:
    """Record ``(key, state, body)`` rows; returns the keys that were new."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    table = cast(Any, NotifyDeliveryRow.__table__)
    statement = (
        insert_for(dialect, table)
        .values(
            [
                {
                    "alert_id": k.alert_id,
                    "user_id": k.user_id,
                    "channel": k.channel,
                    "target": k.target,
                    "state": state,
                    "body": body,
                }
                for k, state, body in rows
            ]
        )
        .on_conflict_do_nothing(index_elements=["alert_id", "user_id", "channel", "target"])
        .returning(table.c.alert_id, table.c.user_id, table.c.channel, table.c.target)
    )
    result = await session.execute(statement)
    return {DeliveryKey(a, u, c, t) for a, u, c, t in result.all()}


async def claim(session: AsyncSession, wanted: LedgerClaim, *, at: datetime) -> int:
    """Set the wanted deliveries ``sent``; how many were still in ``wanted.states``."""
    result = await session.execute(
        update(NotifyDeliveryRow)
        .where(
            NotifyDeliveryRow.alert_id.in_(wanted.alert_ids),
            NotifyDeliveryRow.user_id == wanted.user_id,
            NotifyDeliveryRow.channel == wanted.channel,
            NotifyDeliveryRow.target == wanted.target,
            NotifyDeliveryRow.state.in_(wanted.states),
        )
        .values(state="sent", sent_at=at)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


async def mark_sent(session: AsyncSession, keys: Iterable[DeliveryKey], *, at: datetime) -> None:
    """Set these deliveries ``sent`` (whatever their state)."""
    wanted = [(k.alert_id, k.user_id, k.channel, k.target) for k in keys]
    if not wanted:
        return
    columns = tuple_(
        NotifyDeliveryRow.alert_id,
        NotifyDeliveryRow.user_id,
        NotifyDeliveryRow.channel,
        NotifyDeliveryRow.target,
    )
    for start in range(0, len(wanted), 500):
        await session.execute(
            update(NotifyDeliveryRow)
            .where(columns.in_(wanted[start : start + 500]))
            .values(state="sent", sent_at=at)
        )


async def unsent(
    session: AsyncSession, *, before: datetime, limit: int = 500
) -> list[NotifyDeliveryRow]:
    """Deliveries recorded before ``before`` and not yet sent, oldest first."""
    query = (
        select(NotifyDeliveryRow)
        .where(
            NotifyDeliveryRow.state.in_(("pending", "held")),
            NotifyDeliveryRow.created_at < before,
        )
        .order_by(NotifyDeliveryRow.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
