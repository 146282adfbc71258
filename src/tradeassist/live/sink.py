"""Batched writes of alerts and bars, with a durable spool for database outages.

One writer task. Alerts come first: whatever is waiting when the previous
commit ends goes in the next transaction (``insert_alerts``, idempotent by
key), so under load batches grow and at rest an alert commits on its own at
once. Bars (a cache of one-minute OHLCV) go only when no alert waits, in
transactions sized to take about ``BAR_BUDGET_S``, so a burst of completed
minutes never holds an alert back for long. After each alert commit the
latency of every alert (record arrival to commit) is recorded and the batch is
handed to the :class:`Publisher`.

When the database cannot be reached, alerts go to the :class:`AlertSpool`
(on disk, fsync-ed) instead, and every ``retry_s`` the sink tries to flush the
spool; once that works, new alerts go straight to the database again. Bars
wait in memory (bounded) meanwhile: a restart rebuilds them from the replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.alerts import Alert
from tradeassist.domain.bars import Bar
from tradeassist.errors import StorageError
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.publisher import CommittedBatch, Publisher, keys_of
from tradeassist.live.spool import AlertSpool
from tradeassist.store.alerts import insert_alerts
from tradeassist.store.bars import upsert_bars
from tradeassist.store.database import storage_errors
from tradeassist.store.tables import ALERT_INSERT_LOCK_KEY, AlertRow

__all__ = ["BAR_BUDGET_S", "AlertSink", "PendingAlert"]

log = logging.getLogger(__name__)

BAR_BUDGET_S = 0.002
"""Seconds one bar transaction should take at most (an alert may wait that long)."""
_MIN_BAR_CHUNK = 10
_MAX_BAR_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """An alert and when its record arrived (``time.perf_counter_ns()``)."""

    alert: Alert
    arrival_ns: int


class AlertSink:
    """Stores alerts and bars in the background; see the module docstring."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        database_url: str,
        spool: AlertSpool,
        metrics: LiveMetrics,
        status: ScreenerStatus,
        publisher: Publisher | None = None,
        max_batch: int = 500,
        bar_chunk: int = 100,
        max_bars_pending: int = 2_000_000,
        retry_s: float = 1.0,
        clock: Callable[[], int] = time.perf_counter_ns,
    ) -> None:
        self._sessions = sessions
        self._url = database_url
        self._spool = spool
        self._metrics = metrics
        self._status = status
        self._publisher = publisher
        self._max_batch = max_batch
        self._bar_chunk = bar_chunk
        self._max_bars = max_bars_pending
        self._retry_s = retry_s
        self._clock = clock
        self._alerts: deque[PendingAlert] = deque()
        self._inflight: list[Alert] = []  # taken for a commit that has not returned yet
        self._bars: deque[Bar] = deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._db_down = False
        self._retry_at = 0.0
        status.spool_pending = spool.pending

    @property
    def database_ok(self) -> bool:
        return not self._db_down

    def submit(self, alerts: Sequence[PendingAlert], bars: Sequence[Bar]) -> None:
        """Queue alerts and completed bars (never blocks; call on the sink's loop)."""
        if alerts:
            self._alerts.extend(alerts)
        if bars:
            self._bars.extend(bars)
            excess = len(self._bars) - self._max_bars
            if excess > 0:
                for _ in range(excess):
                    self._bars.popleft()
                log.warning("dropped %d unwritten bars (the database is behind)", excess)
        self._sync_status()
        self._wake.set()

    def close(self) -> None:
        """Write what is queued (or spool it while the database is down), then stop."""
        self._closing = True
        self._wake.set()

    def spool_remaining(self) -> None:
        """After ``run`` was cancelled (a stop that ran out of time): spool every alert
        not known to be committed, so none is lost (a double flush stores it once)."""
        rest = self._inflight + [p.alert for p in self._alerts]
        self._inflight = []
        self._alerts.clear()
        if rest:
            self._spool_alerts(rest)
            log.warning("spooled %d alerts not yet stored at shutdown", len(rest))

    async def run(self) -> None:
        """The writer; returns after :meth:`close` once everything is written or spooled."""
        while True:
            if await self._step():
                continue
            if self._closing:
                if self._bars and self._db_down:
                    log.warning("%d bars not stored (database down at shutdown)", len(self._bars))
                return
            self._wake.clear()
            timeout = max(0.0, self._retry_at - time.monotonic()) if self._db_down else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _step(self) -> bool:
        """Do one unit of work; False when there is nothing to do now."""
        waiting = self._db_down and time.monotonic() < self._retry_at
        if waiting or (self._db_down and self._closing):
            if self._alerts:  # the database is down: keep them durably meanwhile
                self._spool_alerts([p.alert for p in self._take_alerts(len(self._alerts))])
                return True
            return False
        if self._spool.pending:
            await self._flush_spool()
            return True
        if self._alerts:
            batch = self._take_alerts(self._max_batch)
            self._inflight = [p.alert for p in batch]
            try:
                committed_ns = await self._commit(self._inflight)
            except StorageError as exc:
                self._outage(exc)
                self._spool_alerts(self._inflight)
                return True
            finally:
                self._inflight = []
            self._metrics.alerts_committed([(committed_ns - p.arrival_ns) / 1e9 for p in batch])
            return True
        if self._bars:
            # Bars wait for anything more urgent that is ready to run (a feed batch that
            # may raise alerts), and go in small transactions: an alert arriving during
            # one waits for a few milliseconds at most.
            await asyncio.sleep(0)
            if self._alerts or (self._closing and self._db_down):
                return True
            chunk = [self._bars.popleft() for _ in range(min(self._bar_chunk, len(self._bars)))]
            started = time.perf_counter()
            try:
                await self._upsert(chunk)
            except StorageError as exc:
                self._outage(exc)
                self._bars.extendleft(reversed(chunk))
                return True
            self._size_bar_chunk(len(chunk), time.perf_counter() - started)
            self._metrics.bars_stored.inc(len(chunk))
            self._status.bars_stored += len(chunk)
            self._sync_status()
            return True
        return False

    def _size_bar_chunk(self, size: int, seconds: float) -> None:
        """Aim each bar transaction at ``BAR_BUDGET_S``: bars never hold an alert long."""
        if size < self._bar_chunk or seconds <= 0:
            return  # a partial chunk says nothing about the best size
        scaled = int(size * BAR_BUDGET_S / seconds)
        self._bar_chunk = max(_MIN_BAR_CHUNK, min(_MAX_BAR_CHUNK, scaled, 2 * size))

    async def _upsert(self, bars: list[Bar]) -> None:
        url = self._url
        async with storage_errors(url, "store bars"), self._sessions() as s, s.begin():
            await upsert_bars(s, bars=bars)

    def _take_alerts(self, limit: int) -> list[PendingAlert]:
        batch = [self._alerts.popleft() for _ in range(min(limit, len(self._alerts)))]
        self._sync_status()
        return batch

    async def _commit(self, alerts: list[Alert]) -> int:
        """Insert in one transaction; returns the commit time (the sink's clock)."""
        url = self._url
        async with storage_errors(url, "store alerts"), self._sessions() as s, s.begin():
            conn = await s.connection()
            if conn.dialect.name == "postgresql":
                # Taken before reading the highest id, so no other inserter can add
                # rows between that read and ours (insert_alerts takes it again).
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                await conn.execute(lock, {"key": ALERT_INSERT_LOCK_KEY})
            before = int(await s.scalar(select(func.max(AlertRow.id))) or 0)
            new = await insert_alerts(s, alerts=alerts)
        committed = self._clock()
        if self._db_down:
            log.warning("the database is reachable again")
        self._db_down = False
        self._metrics.alerts_stored.inc(new)
        self._status.alerts_stored += new
        self._sync_status()
        if new and self._publisher is not None:
            self._publisher.submit(CommittedBatch(before, keys_of(alerts)))
        return committed

    async def _flush_spool(self) -> None:
        try:
            for chunk in self._spool.chunks(self._max_batch):
                await self._commit(chunk)
        except StorageError as exc:
            self._outage(exc)
            return
        flushed = self._spool.pending
        self._spool.clear()
        self._sync_status()
        log.info("flushed %d spooled alerts to the database", flushed)

    def _spool_alerts(self, alerts: list[Alert]) -> None:
        self._spool.append(alerts)
        self._metrics.alerts_spooled.inc(len(alerts))
        self._status.alerts_spooled += len(alerts)
        self._sync_status()

    def _outage(self, exc: StorageError) -> None:
        if not self._db_down:
            log.warning("database unreachable (%s); spooling alerts to %s", exc, self._spool.path)
        self._db_down = True
        self._retry_at = time.monotonic() + self._retry_s
        self._sync_status()

    def _sync_status(self) -> None:
        status = self._status
        status.alerts_pending = len(self._alerts)
        status.bars_pending = len(self._bars)
        status.spool_pending = self._spool.pending
        status.database_ok = not self._db_down
