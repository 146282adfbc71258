"""Batched writes of alerts (and bars), with a durable spool for database outages.

One alert writer: whatever waits when the previous commit ends goes in the
next transaction (``store_alerts``, idempotent by key), so under load
batches grow and at rest an alert commits on its own at once. On PostgreSQL
that is one statement on an autocommit connection (one round trip); on
SQLite one INSERT and a COMMIT. After each commit the latency of every alert
(record arrival to commit) is recorded and the rows the insert returned (the
alerts stored now, with their ids) are handed to the :class:`Publisher`.
Bars go through a :class:`~tradeassist.live.bar_writer.BarWriter`, which
never holds an alert back for long.

When the database cannot be reached, alerts go to the :class:`AlertSpool`
(on disk, fsync-ed) instead, and every ``retry_s`` the sink tries to flush the
spool; once that works, new alerts go straight to the database again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.alerts import Alert
from tradeassist.errors import StorageError
from tradeassist.live.bar_writer import BarWriter
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.publisher import Publisher
from tradeassist.live.spool import AlertSpool
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.alerts import store_alerts
from tradeassist.store.database import is_postgres, storage_errors

__all__ = ["AlertSink", "PendingAlert"]

log = logging.getLogger(__name__)

# Seconds one bar transaction should take. On SQLite an alert may wait that long for
# the write lock; on PostgreSQL bars commit beside alerts, but building a large
# statement still holds the event loop, so transactions stay small there too.
_BAR_BUDGET_SQLITE_S = 0.002
_BAR_BUDGET_POSTGRES_S = 0.003


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
        self._retry_s = retry_s
        self._clock = clock
        self._alerts: deque[PendingAlert] = deque()
        self._inflight: list[Alert] = []  # taken for a commit that has not returned yet
        postgres = is_postgres(database_url)
        self._autocommit = postgres
        self._write_lock = None if postgres else asyncio.Lock()  # SQLite: one writer
        self._bars = BarWriter(
            sessions,
            database_url=database_url,
            metrics=metrics,
            status=status,
            budget_s=_BAR_BUDGET_POSTGRES_S if postgres else _BAR_BUDGET_SQLITE_S,
            write_lock=self._write_lock,
            alerts_waiting=lambda: bool(self._alerts) or bool(self._inflight),
            database_down=lambda: self._db_down,
            on_outage=self._outage,
            retry_s=retry_s,
            max_pending=max_bars_pending,
        )
        self._wake = asyncio.Event()
        self._closing = False
        self._db_down = False
        self._retry_at = 0.0
        status.spool_pending = spool.pending

    @property
    def database_ok(self) -> bool:
        return not self._db_down

    def submit(self, alerts: Sequence[PendingAlert], bars: BarSet) -> None:
        """Queue alerts and completed bars (never blocks; call on the sink's loop)."""
        if alerts:
            self._alerts.extend(alerts)
            self._sync_status()
            self._wake.set()
        self._bars.submit(bars)

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
        """The writers; return after :meth:`close` once everything is written or spooled."""
        bars = asyncio.create_task(self._bars.run(), name="bar-writer")
        try:
            await self._write_alerts()
        finally:
            self._bars.close()
            if not bars.done():
                await bars

    async def _write_alerts(self) -> None:
        while True:
            if await self._step():
                continue
            if self._closing:
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
        return False

    def _take_alerts(self, limit: int) -> list[PendingAlert]:
        batch = [self._alerts.popleft() for _ in range(min(limit, len(self._alerts)))]
        self._sync_status()
        return batch

    async def _commit(self, alerts: list[Alert]) -> int:
        """Insert in one transaction; returns the commit time (the sink's clock)."""
        writer = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        async with writer, storage_errors(self._url, "store alerts"), self._sessions() as s:
            if self._autocommit:
                # PostgreSQL: the insert is one statement taking the insert lock itself,
                # so on its own it is the transaction: no BEGIN, no COMMIT round trip.
                await s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            stored = await store_alerts(s, alerts=alerts)
            await s.commit()
            committed = self._clock()  # before the connection goes back to the pool
        if self._db_down:
            log.warning("the database is reachable again")
        self._db_down = False
        self._metrics.alerts_stored.inc(len(stored))
        self._status.alerts_stored += len(stored)
        self._sync_status()
        if stored and self._publisher is not None:
            # Only what this commit stored: an alert re-derived after a restart
            # (already stored) is not published twice.
            self._publisher.submit(stored)
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
        status.spool_pending = self._spool.pending
        status.database_ok = not self._db_down
