"""Read queries over ``screener_alerts`` for the API and the alert streams.

Everything orders and pages by the commit-ordered ``id`` (see ``tables.py``),
so a page boundary or a resume point never skips an alert that commits late.
Times are UTC nanoseconds (``trigger_time_ns``); ``pct_move`` is in percent.
Core selects (not ORM entities): these run on every request and every poll.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs; used on one path
from sqlalchemy import Select, Text, bindparam, cast, func, or_, select
from sqlalchemy.engine import Row, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from tradeassist.domain.alerts import Alert
from tradeassist.store.alerts import STORED_COLUMNS, StoredAlert, row_to_stored
from tradeassist.store.database import is_postgres, normalize_url, storage_errors
from tradeassist.store.tables import AlertRow

__all__ = [
    "ALERT_COLUMNS",
    "RECORD_COLUMNS",
    "AlertFilter",
    "AlertPageReader",
    "AlertStats",
    "StoreAlertSource",
    "alert_by_id",
    "alert_stats",
    "alerts_after",
    "count_alerts",
    "last_alert_id",
    "page_alert_records",
    "page_alert_rows",
    "pct_move",
    "row_to_stored",
]

_T = AlertRow.__table__.c
#: The columns :func:`row_to_stored` reads.
ALERT_COLUMNS = STORED_COLUMNS
#: The columns of :func:`page_alert_records`: documents as JSON text, passed through unparsed.
RECORD_COLUMNS = (
    _T.id,
    _T.symbol,
    _T.alert_type,
    _T.trigger_price,
    _T.trigger_time_ns,
    _T.trading_day,
    _T.level,
    _T.pct_move,
    cast(_T.conditions, Text).label("conditions"),
    cast(_T["metadata"], Text).label("metadata"),
    _T.created_at,
)
_NS_PER_HOUR = 3_600_000_000_000


def _at(ts_ns: int, widen_us: int) -> datetime:
    """UTC ns as an aware datetime, moved ``widen_us`` microseconds outward.

    ``trigger_time`` holds the trigger time to about a microsecond (rounded, not
    truncated), so a range on it is widened by one and the exact test is left
    to ``trigger_time_ns``.
    """
    seconds, nanos = divmod(ts_ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC) + timedelta(microseconds=nanos // 1000)
    return moment + timedelta(microseconds=widen_us)


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts: any of ``symbols``, any of ``alert_types``, ``since_ns <= t < until_ns``,
    ``|pct_move| >= min_pct`` (percent). Empty tuples and None mean "any"."""

    symbols: tuple[str, ...] = ()
    alert_types: tuple[str, ...] = ()
    since_ns: int | None = None
    until_ns: int | None = None
    min_pct: float | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.symbols:
            out.append(_T.symbol.in_(self.symbols))
        if self.alert_types:
            out.append(_T.alert_type.in_(self.alert_types))
        # The microsecond column (indexed) narrows the range, the nanosecond one is exact.
        if self.since_ns is not None:
            out.append(_T.trigger_time >= _at(self.since_ns, -1))
            out.append(_T.trigger_time_ns >= self.since_ns)
        if self.until_ns is not None:
            out.append(_T.trigger_time < _at(self.until_ns, +1))
            out.append(_T.trigger_time_ns < self.until_ns)
        if self.min_pct is not None:
            out.append(or_(_T.pct_move >= self.min_pct, _T.pct_move <= -self.min_pct))
        return out

    def matches(self, stored: StoredAlert) -> bool:
        """The same test in Python, for alerts arriving on the bus."""
        alert = stored.alert
        if self.symbols and alert.symbol not in self.symbols:
            return False
        if self.alert_types and alert.alert_type not in self.alert_types:
            return False
        if self.since_ns is not None and alert.trigger_time_ns < self.since_ns:
            return False
        if self.until_ns is not None and alert.trigger_time_ns >= self.until_ns:
            return False
        if self.min_pct is not None:
            pct = pct_move(alert)
            return pct is not None and abs(pct) >= self.min_pct
        return True


@dataclass(frozen=True, slots=True)
class AlertStats:
    """Counts in a window: by type, by UTC hour (hours since the epoch), top symbols."""

    total: int
    by_type: list[tuple[str, int]]
    by_utc_hour: list[tuple[int, int]]
    top_symbols: list[tuple[str, int]]


def pct_move(alert: Alert) -> float | None:
    """The alert's move in percent, as stored in ``pct_move`` (from its conditions)."""
    value = alert.conditions.get("pct_move")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _select(filt: AlertFilter | None) -> Select[Any]:
    query = select(*ALERT_COLUMNS)
    if filt is not None:
        query = query.where(*filt.clauses())
    return query


@lru_cache(maxsize=256)
def _record_statement(
    symbols: bool,
    types: bool,
    since: bool,
    until: bool,
    min_pct: bool,
    boundary: str | None,
    descending: bool,
) -> Select[Any]:
    # Built once per shape, with bound parameters: building and keying a select
    # costs more than running it on this path.
    query = select(*RECORD_COLUMNS)
    if symbols:
        query = query.where(_T.symbol.in_(bindparam("symbols", expanding=True)))
    if types:
        query = query.where(_T.alert_type.in_(bindparam("types", expanding=True)))
    if since:
        query = query.where(
            _T.trigger_time >= bindparam("since_at"), _T.trigger_time_ns >= bindparam("since_ns")
        )
    if until:
        query = query.where(
            _T.trigger_time < bindparam("until_at"), _T.trigger_time_ns < bindparam("until_ns")
        )
    if min_pct:
        pct: BindParameter[float] = bindparam("min_pct")
        query = query.where(or_(_T.pct_move >= pct, _T.pct_move <= -pct))
    if boundary == "before":
        query = query.where(_T.id < bindparam("boundary"))
    elif boundary == "after":
        query = query.where(_T.id > bindparam("boundary"))
    order = _T.id.desc() if descending else _T.id.asc()
    return query.order_by(order).limit(bindparam("limit"))


async def page_alert_records(
    conn: AsyncConnection,
    filt: AlertFilter,
    *,
    limit: int,
    before_id: int | None = None,
    after_id: int | None = None,
    descending: bool = True,
) -> Sequence[Row[Any]]:
    """One page of alerts, newest first (``before_id``) or oldest first (``after_id``).

    Raw rows of :data:`RECORD_COLUMNS`, for serving as JSON directly: the hot
    path of ``GET /alerts`` runs no ORM session, and ``conditions`` and
    ``metadata`` stay JSON text (valid JSON on both databases) instead of being
    parsed here and serialised again.
    """
    boundary = "before" if before_id is not None else "after" if after_id is not None else None
    statement = _record_statement(
        bool(filt.symbols),
        bool(filt.alert_types),
        filt.since_ns is not None,
        filt.until_ns is not None,
        filt.min_pct is not None,
        boundary,
        descending,
    )
    params: dict[str, Any] = {"limit": limit}
    if filt.symbols:
        params["symbols"] = list(filt.symbols)
    if filt.alert_types:
        params["types"] = list(filt.alert_types)
    if filt.since_ns is not None:
        params["since_ns"] = filt.since_ns
        params["since_at"] = _at(filt.since_ns, -1)
    if filt.until_ns is not None:
        params["until_ns"] = filt.until_ns
        params["until_at"] = _at(filt.until_ns, +1)
    if filt.min_pct is not None:
        params["min_pct"] = filt.min_pct
    if boundary is not None:
        params["boundary"] = before_id if before_id is not None else after_id
    rows: Sequence[Row[Any]] = (await conn.execute(statement, params)).all()
    return rows


async def alerts_after(
    session: AsyncSession | AsyncConnection,
    after_id: int,
    limit: int,
    filt: AlertFilter | None = None,
) -> list[StoredAlert]:
    """Up to ``limit`` alerts with ``id > after_id`` (and matching ``filt``), ascending."""
    query = _select(filt).where(_T.id > after_id).order_by(_T.id.asc()).limit(limit)
    result = await session.execute(query)
    return [row_to_stored(row) for row in result]


async def alert_by_id(session: AsyncSession, alert_id: int) -> StoredAlert | None:
    """One alert by id, or None."""
    row = (await session.execute(_select(None).where(_T.id == alert_id))).first()
    return row_to_stored(row) if row is not None else None


async def last_alert_id(session: AsyncSession | AsyncConnection) -> int:
    """The highest committed id; 0 when the table is empty."""
    value = (await session.execute(select(func.max(_T.id)))).scalar()
    return int(value or 0)


async def count_alerts(session: AsyncSession) -> int:
    """How many alerts are stored."""
    return int((await session.execute(select(func.count()).select_from(AlertRow))).scalar_one())


async def alert_stats(session: AsyncSession, filt: AlertFilter, *, top: int = 10) -> AlertStats:
    """Counts by type, by UTC hour and the ``top`` symbols, over ``filt``."""
    where = filt.clauses()
    by_type_rows = await session.execute(
        select(_T.alert_type, func.count()).where(*where).group_by(_T.alert_type)
    )
    by_type = sorted(((str(t), int(n)) for t, n in by_type_rows), key=lambda p: (-p[1], p[0]))
    hour = (_T.trigger_time_ns // _NS_PER_HOUR).label("hour")
    by_hour_rows = await session.execute(select(hour, func.count()).where(*where).group_by(hour))
    by_hour = sorted((int(h), int(n)) for h, n in by_hour_rows)
    count = func.count().label("n")
    top_rows = await session.execute(
        select(_T.symbol, count)
        .where(*where)
        .group_by(_T.symbol)
        .order_by(count.desc(), _T.symbol)
        .limit(top)
    )
    top_symbols = [(str(s), int(n)) for s, n in top_rows]
    return AlertStats(
        total=sum(n for _, n in by_type),
        by_type=by_type,
        by_utc_hour=by_hour,
        top_symbols=top_symbols,
    )


class StoreAlertSource:
    """The store as the follower bus's :class:`~tradeassist.bus.follower.AlertSource`.

    Give it an autocommit engine: each poll is one statement, without BEGIN.
    With a ``reader`` (PostgreSQL), polls go through its pool instead: a poll
    that finds nothing, the common case, then costs a third of the CPU.
    """

    def __init__(
        self, engine: AsyncEngine, url: str, reader: AlertPageReader | None = None
    ) -> None:
        self._engine = engine
        self._url = url
        self._reader = reader

    async def last_id(self) -> int:
        async with storage_errors(self._url, "read alerts"):
            if self._reader is not None:
                return await self._reader.last_id()
            async with self._engine.connect() as conn:
                return await last_alert_id(conn)

    async def alerts_after(self, after_id: int, limit: int) -> Sequence[StoredAlert]:
        async with storage_errors(self._url, "read alerts"):
            if self._reader is not None:
                return await self._reader.alerts_after(after_id, limit)
            async with self._engine.connect() as conn:
                return await alerts_after(conn, after_id, limit)


# The plain filters (symbols, types, page boundary) on PostgreSQL, as one text query
# run on the driver's connection: asyncpg prepares and caches it by text, and
# SQLAlchemy's per-execute work (about 0.6 ms CPU) is skipped. The same columns
# and order as ``page_alert_records``; other filters go through it.
_COLUMNS = (
    "id, symbol, alert_type, trigger_price, trigger_time_ns, trading_day, level, pct_move,"
    " conditions::text, metadata::text, created_at"
)


@lru_cache(maxsize=64)
def _plain_sql(symbols: int, types: int, boundary: str | None, descending: bool) -> str:
    # ``symbols``/``types``: how many values (0 none, 1 one, 2 several). One value is
    # an equality: the index (symbol, alert_type, id) then yields the page in id
    # order, with no array to encode and no sort (a third less CPU here).
    where: list[str] = []
    for column, count in (("symbol", symbols), ("alert_type", types)):
        if count == 1:
            where.append(f"{column} = ${len(where) + 1}::text")
        elif count > 1:
            where.append(f"{column} = ANY(${len(where) + 1}::text[])")
    if boundary is not None:
        where.append(f"id {'<' if boundary == 'before' else '>'} ${len(where) + 1}::int8")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    order = "DESC" if descending else "ASC"
    limit = f"${len(where) + 1}::int8"
    return f"SELECT {_COLUMNS} FROM screener_alerts{clause} ORDER BY id {order} LIMIT {limit}"


def _is_plain(filt: AlertFilter) -> bool:
    return filt.since_ns is None and filt.until_ns is None and filt.min_pct is None


def _plain_query(
    filt: AlertFilter, limit: int, boundary: int | None, descending: bool
) -> tuple[str, list[Any]]:
    side = None if boundary is None else "before" if descending else "after"
    symbols, types = len(filt.symbols), len(filt.alert_types)
    sql = _plain_sql(min(symbols, 2), min(types, 2), side, descending)
    args: list[Any] = []
    for values in (filt.symbols, filt.alert_types):
        if len(values) == 1:
            args.append(values[0])
        elif values:
            args.append(list(values))
    if boundary is not None:
        args.append(boundary)
    args.append(limit)
    return sql, args


async def page_alert_rows(
    conn: AsyncConnection,
    filt: AlertFilter,
    *,
    limit: int,
    boundary: int | None,
    descending: bool,
) -> Sequence[Any]:
    """A page of alert rows (``ALERT_COLUMNS`` order) after/before ``boundary``."""
    if not _is_plain(filt) or conn.dialect.driver != "asyncpg":
        return await page_alert_records(
            conn,
            filt,
            limit=limit,
            before_id=boundary if descending else None,
            after_id=None if descending else boundary,
            descending=descending,
        )
    sql, args = _plain_query(filt, limit, boundary, descending)
    raw = await conn.get_raw_connection()
    rows: Sequence[Any] = await raw.driver_connection.fetch(sql, *args)  # type: ignore[union-attr]
    return rows


#: Arguments of SQLAlchemy's asyncpg dialect that ``asyncpg.connect`` does not take.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func")


async def _keep_session(_conn: Any) -> None:
    # The pool's default reset runs RESET ALL, UNLISTEN ... on every release: a round
    # trip per page. These connections only ever run single SELECTs in autocommit,
    # which leave no session state behind (an open transaction is still rolled back).
    return None


class AlertPageReader:
    """Plain-filter alert pages on PostgreSQL through an asyncpg pool of their own.

    The busiest reads skip SQLAlchemy's connection checkout and return, which
    cost more CPU than the query (about 0.47 against 0.21 ms a page here).
    Connections are opened on demand (none at start, so a database that is
    down at start delays nothing), with the engine's connection arguments (SSL,
    timeouts, no statement cache behind a transaction pooler).
    """

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float) -> None:
        self._pool = pool
        self._timeout = acquire_timeout

    @classmethod
    async def open(
        cls, url: str, *, max_size: int = 20, acquire_timeout: float = 10.0
    ) -> AlertPageReader | None:
        """A reader for ``url`` (any form ``create_engine`` takes); None unless PostgreSQL."""
        if not is_postgres(url):
            return None
        normalized, connect_args = normalize_url(url)
        dsn = make_url(normalized).set(drivername="postgresql")
        for name in _DIALECT_ONLY:
            connect_args.pop(name, None)
        pool = await asyncpg.create_pool(
            dsn.render_as_string(hide_password=False),
            min_size=0,
            max_size=max_size,
            reset=_keep_session,
            **connect_args,
        )
        return cls(pool, acquire_timeout=acquire_timeout)

    @staticmethod
    def serves(filt: AlertFilter) -> bool:
        """Whether :meth:`page` reads this filter (symbols and types only)."""
        return _is_plain(filt)

    async def page(
        self, filt: AlertFilter, *, limit: int, boundary: int | None, descending: bool
    ) -> Sequence[Any]:
        """As :func:`page_alert_rows`, for a filter this reader :meth:`serves`."""
        sql, args = _plain_query(filt, limit, boundary, descending)
        async with self._pool.acquire(timeout=self._timeout) as conn:
            rows: Sequence[Any] = await conn.fetch(sql, *args)
        return rows

    async def alerts_after(self, after_id: int, limit: int) -> list[StoredAlert]:
        """As :func:`alerts_after` without a filter: what the follower bus polls."""
        async with self._pool.acquire(timeout=self._timeout) as conn:
            rows = await conn.fetch(_AFTER_SQL, after_id, limit)
        return [_stored(row) for row in rows]

    async def last_id(self) -> int:
        """As :func:`last_alert_id`."""
        async with self._pool.acquire(timeout=self._timeout) as conn:
            value = await conn.fetchval("SELECT max(id) FROM screener_alerts")
        return int(value or 0)

    async def close(self) -> None:
        await self._pool.close()


_AFTER_SQL = (
    "SELECT id, symbol, alert_type, trigger_price, trigger_time_ns, trading_day, level,"
    " conditions::text, metadata::text, created_at FROM screener_alerts"
    " WHERE id > $1::int8 ORDER BY id LIMIT $2::int8"
)


def _stored(row: Any) -> StoredAlert:
    """A row of ``_AFTER_SQL`` as :func:`row_to_stored` makes it (documents parsed here)."""
    alert_id, symbol, kind, price, time_ns, day, level, conditions, metadata, created = tuple(row)
    alert = Alert(
        symbol=symbol,
        alert_type=kind,
        trigger_price=float(price),
        trigger_time_ns=int(time_ns),
        trading_day=day.isoformat(),
        level=level,
        conditions=dict(json.loads(conditions) or {}) if conditions else {},
        metadata=dict(json.loads(metadata) or {}) if metadata else {},
    )
    return StoredAlert(id=int(alert_id), alert=alert, created_at=created)
