"""Batched writes of alerts and bars, with a durable spool for database outages.

Alerts and bars are written by the store's own process (a
:class:`~tradeassist.live.committer.Committer`): alerts are handed over as
soon as the engine raises them, so a commit never waits for this event loop,
and whatever waits when the previous commit ends goes in the next transaction
(``store_alerts``, idempotent by key): under load batches grow, at rest an
alert commits on its own at once. On PostgreSQL that is one statement on an
autocommit connection (one round trip); on SQLite one INSERT and a COMMIT on
the standard driver. Bars are written there between alert commits, in
transactions of about a millisecond, so an alert never waits long for one.
Back on this loop, the latency of every alert (record arrival to commit) is
recorded and the rows the insert returned (the alerts stored now, with their
ids) are handed to the :class:`Publisher`.

When the database cannot be reached, alerts go to the :class:`AlertSpool`
(on disk, fsync-ed) instead, and every ``retry_s`` the sink tries to flush the
spool; once that works, new alerts go straight to the database again. Bars
wait in the store's process meanwhile (bounded; a restart's replay rebuilds
them anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tradeassist.domain.alerts import Alert
from tradeassist.errors import StorageError
from tradeassist.live.alert_store import AlertStore, SqlAlertStore
from tradeassist.live.committer import CommitOutcome, Committer
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.publisher import Publisher
from tradeassist.live.spool import AlertSpool
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.alerts import StoredAlert

__all__ = ["AlertSink", "PendingAlert"]

log = logging.getLogger(__name__)

_COMMITTER_STOP_S = 2.0


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """An alert and when its record arrived (``time.perf_counter_ns()``)."""

    alert: Alert
    arrival_ns: int


class AlertSink:
    """Stores alerts and bars in the background; see the module docstring."""

    def __init__(
        self,
        *,
        database_url: str,
        spool: AlertSpool,
        metrics: LiveMetrics,
        status: ScreenerStatus,
        publisher: Publisher | None = None,
        store: AlertStore | None = None,
        max_batch: int = 500,
        retry_s: float = 1.0,
        clock: Callable[[], int] = time.perf_counter_ns,
    ) -> None:
        self._url = database_url
        self._spool = spool
        self._metrics = metrics
        self._status = status
        self._publisher = publisher
        self._max_batch = max_batch
        self._retry_s = retry_s
        self._clock = clock
        # Alerts held back on the loop while the database is down or the spool waits;
        # otherwise they go straight to the committer.
        self._alerts: deque[PendingAlert] = deque()
        self._committer = Committer(
            store if store is not None else SqlAlertStore(database_url),
            on_commit=self._committed,
            on_bars=self._bars_stored,
            max_batch=max_batch,
            clock=clock,
        )
        self._fatal: BaseException | None = None
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
            if self._db_down or self._spool.pending or self._alerts:
                self._alerts.extend(alerts)
                self._sync_status()
                self._wake.set()
            else:
                self._committer.put(alerts)
        self._committer.put_bars(bars)
        self._status.bars_pending = self._committer.bars_pending

    async def ready(self) -> None:
        """Return once :meth:`run` is ready to commit (its commit process started)."""
        await self._committer.ready()

    def close(self) -> None:
        """Write what is queued (or spool it while the database is down), then stop."""
        self._closing = True
        self._wake.set()

    def spool_remaining(self) -> None:
        """After ``run`` was cancelled (a stop that ran out of time): spool every alert
        not known to be committed, so none is lost (a double flush stores it once)."""
        rest = [p.alert for p in self._committer.take_unfinished()]
        rest += [p.alert for p in self._alerts]
        self._alerts.clear()
        if rest:
            self._spool_alerts(rest)
            log.warning("spooled %d alerts not yet stored at shutdown", len(rest))

    async def run(self) -> None:
        """The writers; return after :meth:`close` once everything is written or spooled."""
        self._committer.start()
        try:
            await self._write_alerts()
        finally:
            await self._committer.stop(_COMMITTER_STOP_S)

    async def _write_alerts(self) -> None:
        while True:
            if self._fatal is not None:
                raise self._fatal
            if await self._step():
                continue
            if self._closing and self._committer.idle:
                return
            self._wake.clear()
            timeout = max(0.0, self._retry_at - time.monotonic()) if self._db_down else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _step(self) -> bool:
        """Do one unit of work on the loop; False when there is nothing to do now."""
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
            self._committer.put(self._take_alerts(len(self._alerts)))
            return True
        return False

    def _take_alerts(self, limit: int) -> list[PendingAlert]:
        batch = [self._alerts.popleft() for _ in range(min(limit, len(self._alerts)))]
        self._sync_status()
        return batch

    def _committed(self, outcome: CommitOutcome) -> None:
        """A commit of the committer's queue ended (on the loop)."""
        self._wake.set()
        if outcome.error is not None:
            # The batch and everything queued after it go to the spool; the committer
            # stays paused until a flush of the spool works.
            failed = outcome.batch + self._committer.take_unfinished()
            if failed:
                self._spool_alerts([p.alert for p in failed])
            if isinstance(outcome.error, StorageError):
                self._outage(outcome.error)
            else:
                self._fatal = outcome.error
            return
        self._stored(outcome.stored)
        started, committed = outcome.started_ns, outcome.committed_ns
        self._metrics.alerts_committed([(committed - p.arrival_ns) / 1e9 for p in outcome.batch])
        self._metrics.commit_stages(
            [
                ((sent - p.arrival_ns) / 1e9, (started - sent) / 1e9, (committed - started) / 1e9)
                for p, sent in zip(outcome.batch, outcome.sent_ns, strict=True)
            ]
        )

    def _bars_stored(self, count: int) -> None:
        self._metrics.bars_stored.inc(count)
        self._status.bars_stored += count
        self._status.bars_pending = self._committer.bars_pending

    def _stored(self, stored: list[StoredAlert]) -> None:
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

    async def _flush_spool(self) -> None:
        try:
            for chunk in self._spool.chunks(self._max_batch):
                stored, _ = await self._committer.commit(chunk)
                self._stored(stored)
        except StorageError as exc:
            self._outage(exc)
            return
        flushed = self._spool.pending
        self._spool.clear()
        self._sync_status()
        self._committer.resume()
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
