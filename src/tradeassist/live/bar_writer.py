"""Writing completed one-minute bars without holding alerts back.

Bars are a cache (``market_data_cache``), written in their own transactions
sized to take about ``budget_s`` each. On PostgreSQL they go on their own
connection, at the same time as alert commits. SQLite has one writer at a
time, so there a bar transaction starts only when no alert waits and holds
the shared write lock; an alert then waits for one small transaction at most.
While the database is down bars wait in memory (bounded: the oldest go first,
and a restart's replay rebuilds them anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.bars import Bar
from tradeassist.errors import StorageError
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.store.bars import upsert_bars
from tradeassist.store.database import storage_errors

__all__ = ["BarWriter"]

log = logging.getLogger(__name__)

_MIN_CHUNK = 10
_MAX_CHUNK = 5000
_CLOSE_BUDGET_S = 2.0  # a stop writes bars for this long at most, then leaves them
_POLL_S = 0.0005


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
        self._metrics = metrics
        self._status = status
        self._budget = budget_s
        self._lock = write_lock
        self._alerts_waiting = alerts_waiting
        self._down = database_down
        self._on_outage = on_outage
        self._retry_s = retry_s
        self._max = max_pending
        self._bars: deque[Bar] = deque()
        self._chunk = 100
        self._wake = asyncio.Event()
        self._close_by: float | None = None

    @property
    def pending(self) -> int:
        return len(self._bars)

    def submit(self, bars: Sequence[Bar]) -> None:
        if not bars:
            return
        self._bars.extend(bars)
        excess = len(self._bars) - self._max
        if excess > 0:
            for _ in range(excess):
                self._bars.popleft()
            log.warning("dropped %d unwritten bars (the database is behind)", excess)
        self._status.bars_pending = len(self._bars)
        self._wake.set()

    def close(self) -> None:
        """Write what is queued for a short while, then stop."""
        self._close_by = time.monotonic() + _CLOSE_BUDGET_S
        self._wake.set()

    async def run(self) -> None:
        while True:
            if self._close_by is not None and (
                not self._bars or self._down() or time.monotonic() > self._close_by
            ):
                if self._bars:
                    log.warning("%d bars not stored at shutdown", len(self._bars))
                return
            if not self._bars:
                self._wake.clear()
                await self._wake.wait()
                continue
            if self._down():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._retry_s)
                self._wake.clear()
                continue
            if self._lock is not None and self._alerts_waiting():
                await asyncio.sleep(_POLL_S)  # alerts first
                continue
            await self._write_chunk()

    async def _write_chunk(self) -> None:
        chunk = [self._bars.popleft() for _ in range(min(self._chunk, len(self._bars)))]
        started = time.perf_counter()
        try:
            async with self._lock if self._lock is not None else contextlib.nullcontext():
                await self._upsert(chunk)
        except StorageError as exc:
            self._bars.extendleft(reversed(chunk))
            self._on_outage(exc)
            return
        self._resize(len(chunk), time.perf_counter() - started)
        self._metrics.bars_stored.inc(len(chunk))
        self._status.bars_stored += len(chunk)
        self._status.bars_pending = len(self._bars)

    async def _upsert(self, bars: list[Bar]) -> None:
        url = self._url
        async with storage_errors(url, "store bars"), self._sessions() as s, s.begin():
            await upsert_bars(s, bars=bars)

    def _resize(self, size: int, seconds: float) -> None:
        """Aim each transaction at the budget (a partial chunk says nothing)."""
        if size < self._chunk or seconds <= 0:
            return
        scaled = int(size * self._budget / seconds)
        self._chunk = max(_MIN_CHUNK, min(_MAX_CHUNK, scaled, 2 * size))
