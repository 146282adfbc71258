"""Screener alerts in the database: idempotent batched inserts and cursor reads.

An alert's ``id`` is the cursor that resuming and pagination use: ids are
handed out in commit order (see :mod:`tradeassist.store.tables`), so "every
alert with an id above N" never skips one that committed late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.domain.alerts import Alert
from tradeassist.store.tables import ALERT_INSERT_LOCK_KEY, AlertRow
from tradeassist.store.upsert import insert_for, json_safe

__all__ = [
    "StoredAlert",
    "get_alert",
    "insert_alerts",
    "latest_alert_id",
    "list_alerts",
]

MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert as stored: its cursor ``id``, the alert, and when it was stored."""

    id: int
    alert: Alert
    created_at: datetime


def _pct_move(conditions: dict[str, Any]) -> float | None:
    value = conditions.get("pct_move")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _values(alert: Alert) -> dict[str, Any]:
    conditions = json_safe(dict(alert.conditions))
    return {
        "idempotency_key": alert.idempotency_key,
        "symbol": alert.symbol,
        "alert_type": alert.alert_type,
        "trigger_price": float(alert.trigger_price),
        "trigger_time": alert.trigger_time,
        "trigger_time_ns": int(alert.trigger_time_ns),
        "trading_day": date.fromisoformat(alert.trading_day),
        "level": alert.level,
        "pct_move": _pct_move(conditions),
        "conditions": conditions,
        "metadata": json_safe(dict(alert.metadata)),
    }


def _stored(row: AlertRow) -> StoredAlert:
    alert = Alert(
        symbol=row.symbol,
        alert_type=row.alert_type,
        trigger_price=row.trigger_price,
        trigger_time_ns=row.trigger_time_ns,
        trading_day=row.trading_day.isoformat(),
        level=row.level,
        conditions=dict(row.conditions or {}),
        metadata=dict(row.alert_metadata or {}),
    )
    return StoredAlert(id=row.id, alert=alert, created_at=row.created_at)


async def insert_alerts(session: AsyncSession, *, alerts: Sequence[Alert]) -> int:
    """Store ``alerts`` in the session's transaction; return how many were new.

    Idempotent: an alert whose idempotency key is already stored (or repeats
    within ``alerts``) is skipped by ``ON CONFLICT DO NOTHING``, on both
    databases, so replays, restarts and concurrent screeners store it once.
    Sent as batched multi-row inserts. On PostgreSQL this first takes the
    alert-insert advisory lock, held until the caller commits: commit soon.
    """
    first: dict[str, Alert] = {}
    for alert in alerts:
        first.setdefault(alert.idempotency_key, alert)
    if not first:
        return 0
    rows = [_values(alert) for alert in first.values()]
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ALERT_INSERT_LOCK_KEY}
        )
    table = AlertRow.__table__
    stmt = (
        insert_for(conn.dialect.name, table)  # type: ignore[arg-type]
        .on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
        .returning(table.c.id)
    )
    result = await conn.execute(stmt, rows)
    return len(result.all())


async def get_alert(session: AsyncSession, *, alert_id: int) -> StoredAlert | None:
    """The alert with this id, or ``None``."""
    row = await session.get(AlertRow, alert_id)
    return None if row is None else _stored(row)


def _filtered(
    query: Select[AlertRow],
    *,
    symbol: str | None,
    alert_type: str | None,
    since: datetime | None,
    until: datetime | None,
    min_pct: float | None,
) -> Select[AlertRow]:
    if symbol is not None:
        query = query.where(AlertRow.symbol == symbol)
    if alert_type is not None:
        query = query.where(AlertRow.alert_type == alert_type)
    if since is not None:
        query = query.where(AlertRow.trigger_time >= since)
    if until is not None:
        query = query.where(AlertRow.trigger_time < until)
    if min_pct is not None:
        query = query.where(func.abs(AlertRow.pct_move) >= min_pct)
    return query


async def list_alerts(
    session: AsyncSession,
    *,
    symbol: str | None = None,
    alert_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_pct: float | None = None,
    after_id: int | None = None,
    before_id: int | None = None,
    newest_first: bool = False,
    limit: int = 100,
) -> list[StoredAlert]:
    """Alerts matching every filter given, ordered by id (the commit-ordered cursor).

    ``since`` is inclusive and ``until`` exclusive (trigger time, aware
    datetimes); ``min_pct`` keeps alerts whose ``conditions.pct_move`` is at
    least that many percent either way; ``after_id``/``before_id`` are
    exclusive cursors. Oldest first, unless ``newest_first``. ``limit`` is
    capped at 1000.
    """
    query = _filtered(
        select(AlertRow),
        symbol=symbol,
        alert_type=alert_type,
        since=since,
        until=until,
        min_pct=min_pct,
    )
    if after_id is not None:
        query = query.where(AlertRow.id > after_id)
    if before_id is not None:
        query = query.where(AlertRow.id < before_id)
    order = AlertRow.id.desc() if newest_first else AlertRow.id.asc()
    query = query.order_by(order).limit(max(0, min(limit, MAX_LIMIT)))
    rows = (await session.scalars(query)).all()
    return [_stored(row) for row in rows]


async def latest_alert_id(session: AsyncSession) -> int:
    """The highest stored alert id (0 when there is none): where a live follower starts."""
    value = await session.scalar(select(func.max(AlertRow.id)))
    return int(value or 0)
