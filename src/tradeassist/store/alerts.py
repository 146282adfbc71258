"""Screener alerts in the database: idempotent batched inserts and cursor reads.

An alert's ``id`` is the cursor that resuming and pagination use: ids are
handed out in commit order (see :mod:`tradeassist.store.tables`), so "every
alert with an id above N" never skips one that committed late.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Executable, Select, func, select, text
from sqlalchemy.engine import Connection, Result, Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tradeassist.domain.alerts import Alert
from tradeassist.store.tables import ALERT_INSERT_LOCK_KEY, AlertRow
from tradeassist.store.upsert import insert_for, json_safe

__all__ = [
    "STORED_COLUMNS",
    "StoredAlert",
    "get_alert",
    "insert_alerts",
    "latest_alert_id",
    "list_alerts",
    "row_to_stored",
    "store_alerts",
    "store_alerts_sync",
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


_T = AlertRow.__table__.c
#: The columns :func:`row_to_stored` reads (what an insert returns).
STORED_COLUMNS = (
    _T.id,
    _T.symbol,
    _T.alert_type,
    _T.trigger_price,
    _T.trigger_time_ns,
    _T.trading_day,
    _T.level,
    _T.conditions,
    _T["metadata"],
    _T.created_at,
)
_RETURNING = ", ".join(c.name for c in STORED_COLUMNS)
# PostgreSQL: one statement, one round trip. The advisory lock is taken in a CTE
# the rows are joined with, so it is held before the first id is drawn (no row
# reaches the insert without it) and until the transaction ends. The arrays keep
# the statement text the same for any batch size: it is prepared once.
_POSTGRES_INSERT = text(
    f"""
WITH insert_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(:lock_key))
INSERT INTO screener_alerts (idempotency_key, symbol, alert_type, trigger_price,
    trigger_time, trigger_time_ns, trading_day, level, pct_move, conditions, metadata)
SELECT v.idempotency_key, v.symbol, v.alert_type, v.trigger_price, v.trigger_time,
    v.trigger_time_ns, v.trading_day, v.level, v.pct_move,
    CAST(v.conditions AS jsonb), CAST(v.metadata AS jsonb)
FROM insert_lock, unnest(
    CAST(:idempotency_key AS text[]), CAST(:symbol AS text[]), CAST(:alert_type AS text[]),
    CAST(:trigger_price AS float8[]), CAST(:trigger_time AS timestamptz[]),
    CAST(:trigger_time_ns AS int8[]), CAST(:trading_day AS date[]), CAST(:level AS text[]),
    CAST(:pct_move AS float8[]), CAST(:conditions AS text[]), CAST(:metadata AS text[])
) AS v(idempotency_key, symbol, alert_type, trigger_price, trigger_time, trigger_time_ns,
    trading_day, level, pct_move, conditions, metadata)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING {_RETURNING}
"""
).columns(*STORED_COLUMNS)


def row_to_stored(row: Row[Any]) -> StoredAlert:
    """A row of :data:`STORED_COLUMNS` as a :class:`StoredAlert`."""
    m = row._mapping
    alert = Alert(
        symbol=m["symbol"],
        alert_type=m["alert_type"],
        trigger_price=float(m["trigger_price"]),
        trigger_time_ns=int(m["trigger_time_ns"]),
        trading_day=m["trading_day"].isoformat(),
        level=m["level"],
        conditions=dict(m["conditions"] or {}),
        metadata=dict(m["metadata"] or {}),
    )
    return StoredAlert(id=int(m["id"]), alert=alert, created_at=m["created_at"])


def _postgres_params(rows: list[dict[str, Any]]) -> dict[str, Any]:
    params: dict[str, Any] = {name: [row[name] for row in rows] for name in rows[0]}
    params["conditions"] = [json.dumps(c, separators=(",", ":")) for c in params["conditions"]]
    params["metadata"] = [json.dumps(m, separators=(",", ":")) for m in params["metadata"]]
    params["lock_key"] = ALERT_INSERT_LOCK_KEY
    return params


def _insert(
    dialect_name: str, alerts: Sequence[Alert]
) -> tuple[Executable, dict[str, Any] | list[dict[str, Any]]] | None:
    """The statement and parameters storing ``alerts`` (None when there are none)."""
    first: dict[str, Alert] = {}
    for alert in alerts:
        first.setdefault(alert.idempotency_key, alert)
    if not first:
        return None
    rows = [_values(alert) for alert in first.values()]
    if dialect_name == "postgresql":
        return _POSTGRES_INSERT, _postgres_params(rows)
    table = AlertRow.__table__
    stmt = (
        insert_for(dialect_name, table)  # type: ignore[arg-type]
        .on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
        .returning(*STORED_COLUMNS)
    )
    return stmt, rows


def _by_id(result: Result[Any]) -> list[StoredAlert]:
    return sorted((row_to_stored(row) for row in result), key=lambda s: s.id)


async def store_alerts(
    session: AsyncSession | AsyncConnection, *, alerts: Sequence[Alert]
) -> list[StoredAlert]:
    """Store ``alerts`` in the current transaction; return the rows stored now, by id.

    Idempotent: an alert whose idempotency key is already stored (or repeats
    within ``alerts``) is skipped by ``ON CONFLICT DO NOTHING`` and is not
    returned, on both databases, so replays, restarts and concurrent screeners
    store it once and only its first storing returns it. One statement: on
    PostgreSQL it also takes the alert-insert advisory lock (commit-ordered
    ids, see :mod:`tradeassist.store.tables`), held until the transaction
    ends: commit soon, or run it on an autocommit connection, where the
    statement is the transaction.
    """
    if not alerts:
        return []
    conn = session if isinstance(session, AsyncConnection) else await session.connection()
    insert = _insert(conn.dialect.name, alerts)
    return [] if insert is None else _by_id(await conn.execute(*insert))


def store_alerts_sync(conn: Connection, *, alerts: Sequence[Alert]) -> list[StoredAlert]:
    """:func:`store_alerts` on a synchronous connection (the live screener's commit
    thread uses the standard ``sqlite3`` driver this way), same statement and result."""
    insert = _insert(conn.dialect.name, alerts)
    return [] if insert is None else _by_id(conn.execute(*insert))


async def insert_alerts(session: AsyncSession, *, alerts: Sequence[Alert]) -> int:
    """:func:`store_alerts`, returning only how many alerts were new."""
    return len(await store_alerts(session, alerts=alerts))


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
