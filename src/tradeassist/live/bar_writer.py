"""Writing completed one-minute bars without holding alerts back.

Bars are a cache (``market_data_cache``), written in their own transactions
sized to take about ``budget_s`` each. On PostgreSQL they go on their own
connection, at the same time as alert commits. SQLite has one writer at a
time, so there a bar transaction starts only when no alert waits and holds
the shared write lock; an alert then waits for one small transaction at most.
While the database is down bars wait in memory (bounded: the oldest go first,
and a restart's replay rebuilds them anyway).

Each chunk is one statement with parameters built here, not through the ORM:
SQLAlchemy's per-row type processing and a JSON encoder per bar cost ~50 us a
bar on the event loop, which fell behind the engine's ~2,500 bars/s in the
demo. On SQLite that is one ``executemany`` (C loop); on PostgreSQL one
``INSERT ... SELECT FROM unnest(...)`` with three array parameters. A stop
writes what is queued in large chunks (alerts are committed by then).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.bars import Bar
from tradeassist.errors import StorageError
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.database import is_postgres, storage_errors
from tradeassist.store.tables import BarRow

__all__ = [
    "BarUpsert",
    "BarWriter",
    "bar_document",
    "bar_documents",
    "minute_start",
    "sqlite_start",
]

log = logging.getLogger(__name__)

_MIN_CHUNK = 50
_MAX_CHUNK = 5000
_CLOSE_CHUNK = 10_000  # at a stop nothing waits on the lock: write in bulk
_CLOSE_BUDGET_S = 2.5  # a stop writes bars for this long at most, then leaves them
_POLL_S = 0.0005
_NS = 1_000_000_000

_TABLE = BarRow.__tablename__
_SQLITE_UPSERT = (
    f"INSERT INTO {_TABLE} (symbol, start, bar) VALUES (?, ?, ?)"
    " ON CONFLICT (symbol, start) DO UPDATE SET bar = excluded.bar"
)
_POSTGRES_UPSERT = (
    f"INSERT INTO {_TABLE} (symbol, start, bar)"
    " SELECT u.symbol, u.start, u.bar::jsonb"
    " FROM unnest($1::varchar[], $2::timestamptz[], $3::text[]) AS u(symbol, start, bar)"
    " ON CONFLICT (symbol, start) DO UPDATE SET bar = EXCLUDED.bar"
)


def _number(value: float) -> str:
    # float.__repr__ is what json.dumps writes; NaN and infinities are not JSON.
    return repr(value) if math.isfinite(value) else "null"


def bar_document(bar: Bar) -> str:
    """The ``bar`` column's JSON text: o, h, l, c (dollars), v (shares), trades, vwap."""
    return (
        f'{{"o": {_number(bar.open)}, "h": {_number(bar.high)}, "l": {_number(bar.low)},'
        f' "c": {_number(bar.close)}, "v": {int(bar.volume)}, "trades": {int(bar.trades)},'
        f' "vwap": {_number(bar.vwap)}}}'
    )


def bar_documents(bars: BarSet) -> list[str]:
    """:func:`bar_document` of every bar of ``bars``, from its columns."""
    prices = bars.prices().tolist()
    return [
        f'{{"o": {_number(o)}, "h": {_number(h)}, "l": {_number(low)}, "c": {_number(c)},'
        f' "v": {v}, "trades": {t}, "vwap": {_number(w)}}}'
        for (o, h, low, c), v, t, w in zip(
            prices, bars.volume.tolist(), bars.trades.tolist(), bars.vwap().tolist(), strict=True
        )
    ]


def minute_start(start_ns: int) -> datetime:
    """A bar's minute as aware UTC (integer arithmetic: a float cannot hold the ns)."""
    seconds, nanos = divmod(int(start_ns), _NS)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=nanos // 1000)


def sqlite_start(start_ns: int) -> str:
    """The minute as SQLAlchemy stores a UTC ``DateTime`` on SQLite (so keys match)."""
    at = minute_start(start_ns)
    return f"{at:%Y-%m-%d %H:%M:%S}.{at.microsecond:06d}"


class BarUpsert:
    """One chunk of bars as one statement on the dialect's driver (SQLAlchemy's
    ``exec_driver_sql``: ``?`` parameters on SQLite, ``$n`` on PostgreSQL)."""

    def __init__(self, postgres: bool) -> None:
        self._postgres = postgres
        self._minutes: dict[int, Any] = {}  # start_ns -> the driver's value, reused

    def _minute(self, start_ns: int) -> Any:
        value = self._minutes.get(start_ns)
        if value is None:
            if len(self._minutes) > 4096:
                self._minutes.clear()
            value = minute_start(start_ns) if self._postgres else sqlite_start(start_ns)
            self._minutes[start_ns] = value
        return value

    def statement(self, bars: BarSet) -> tuple[str, Any]:
        """SQL and parameters; a key repeated in ``bars``: the last bar wins."""
        names, documents = bars.names(), bar_documents(bars)
        last = dict(zip(zip(names, bars.start.tolist(), strict=True), documents, strict=True))
        minute = self._minute
        if self._postgres:
            symbols = [key[0] for key in last]
            starts = [minute(key[1]) for key in last]
            return _POSTGRES_UPSERT, (symbols, starts, list(last.values()))
        rows = [(key[0], minute(key[1]), doc) for key, doc in last.items()]
        return _SQLITE_UPSERT, rows


class BarWriter:
    """Upserts bars in the background (run :meth:`run` as a task)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        database_url: str,
        metrics: LiveMetrics,
        status: ScreenerStatus,
        budget_s: float,
        write_lock: asyncio.Lock | None,
        alerts_waiting: Callable[[], bool],
        database_down: Callable[[], bool],
        on_outage: Callable[[StorageError], None],
        retry_s: float = 1.0,
        max_pending: int = 2_000_000,
    ) -> None:
        self._sessions = sessions
        self._url = database_url
        self._statement = BarUpsert(is_postgres(database_url))
        self._metrics = metrics
        self._status = status
        self._budget = budget_s
        self._lock = write_lock
        self._alerts_waiting = alerts_waiting
        self._down = database_down
        self._on_outage = on_outage
        self._retry_s = retry_s
        self._max = max_pending
        self._bars: deque[BarSet] = deque()  # in completion order
        self._pending = 0
        self._chunk = 100
        self._wake = asyncio.Event()
        self._close_by: float | None = None

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, bars: BarSet) -> None:
        """Queue completed bars (columns, as the engine drains them)."""
        if not len(bars):
            return
        self._bars.append(bars)
        self._pending += len(bars)
        excess = self._pending - self._max
        if excess > 0:
            self._take(excess)
            log.warning("dropped %d unwritten bars (the database is behind)", excess)
        self._status.bars_pending = self._pending
        self._wake.set()

    def _take(self, size: int) -> BarSet:
        """The oldest ``size`` bars (or all), out of the queue."""
        parts: list[BarSet] = []
        want = min(size, self._pending)
        while want > 0:
            first = self._bars[0]
            if len(first) <= want:
                parts.append(self._bars.popleft())
            else:
                parts.append(first.part(0, want))
                self._bars[0] = first.part(want, len(first))
            want -= len(parts[-1])
        chunk = BarSet.concat(parts)
        self._pending -= len(chunk)
        return chunk

    def close(self) -> None:
        """Write what is queued for a short while, then stop."""
        self._close_by = time.monotonic() + _CLOSE_BUDGET_S
        self._wake.set()

    async def run(self) -> None:
        while True:
            if self._close_by is not None and (
                not self._pending or self._down() or time.monotonic() > self._close_by
            ):
                if self._pending:
                    log.warning("%d bars not stored at shutdown", self._pending)
                return
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            if self._down():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._retry_s)
                self._wake.clear()
                continue
            closing = self._close_by is not None
            if not closing and self._lock is not None and self._alerts_waiting():
                await asyncio.sleep(_POLL_S)  # alerts first
                continue
            await self._write_chunk(_CLOSE_CHUNK if closing else self._chunk)

    async def _write_chunk(self, size: int) -> None:
        chunk = self._take(size)
        started = time.perf_counter()
        try:
            async with self._lock if self._lock is not None else contextlib.nullcontext():
                held = await self._upsert(chunk)
        except StorageError as exc:
            self._bars.appendleft(chunk)
            self._pending += len(chunk)
            self._on_outage(exc)
            return
        if size == self._chunk:
            # SQLite: the transaction holds the write lock alerts need; PostgreSQL:
            # alerts commit beside it, and only building the statement holds the loop.
            took = time.perf_counter() - started if self._lock is not None else held
            self._resize(len(chunk), took)
        self._metrics.bars_stored.inc(len(chunk))
        self._status.bars_stored += len(chunk)
        self._status.bars_pending = self._pending

    async def _upsert(self, bars: BarSet) -> float:
        """Store ``bars`` in one transaction; returns the seconds spent building it."""
        started = time.perf_counter()
        sql, parameters = self._statement.statement(bars)
        built = time.perf_counter() - started
        async with storage_errors(self._url, "store bars"), self._sessions() as s, s.begin():
            conn = await s.connection()
            await conn.exec_driver_sql(sql, parameters)
        return built

    def _resize(self, size: int, seconds: float) -> None:
        """Aim each transaction at the budget (a partial chunk says nothing)."""
        if size < self._chunk or seconds <= 0:
            return
        scaled = int(size * self._budget / seconds)
        self._chunk = max(_MIN_CHUNK, min(_MAX_CHUNK, scaled, 2 * size))
