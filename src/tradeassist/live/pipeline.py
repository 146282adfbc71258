"""The live path through the screener: feed batches in, alerts and bars to the sink.

The same :class:`~tradeassist.screener.engine.ScreenerEngine` calls as replay
(``set_symbols`` for mappings, ``process_status_sets`` for a batch's status
records, which come before its MBP-1 records, ``process_sets`` for those,
``drain_bars``), with
time taken from the records, so a live session over recorded data raises the
alerts replay raises. Each alert keeps the arrival time of the record that
triggered it (the engine's stream ordinal points back into the batch), so
latency is measured per alert, not per batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.feed_types import FeedBatch
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.shards import ShardFilter
from tradeassist.live.sink import PendingAlert
from tradeassist.market_calendar import TradingCalendar
from tradeassist.screener.alert_set import AlertSet
from tradeassist.screener.bar_output import BarSet
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine

__all__ = ["LivePipeline", "Submit", "warm_up"]

Submit = Callable[[Sequence[PendingAlert], BarSet], None]


class LivePipeline:
    """Runs batches through the engine (on the feed's loop) and hands results to ``submit``."""

    def __init__(
        self,
        engine: ScreenerEngine,
        shards: ShardFilter,
        submit: Submit,
        metrics: LiveMetrics,
        status: ScreenerStatus,
        *,
        clock: Callable[[], int] = time.perf_counter_ns,
        wall_clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._engine = engine
        self._shards = shards
        self._submit = submit
        self._metrics = metrics
        self._status = status
        self._clock = clock
        self._wall = wall_clock
        self._seen = 0  # records handed to the engine: its stream ordinals start here

    def on_batch(self, batch: FeedBatch) -> None:
        """Screen one batch; never blocks on I/O."""
        if batch.symbols:
            mapping = self._shards.mapping(batch.symbols)
            if mapping:
                self._engine.set_symbols(mapping)
        total = batch.records.shape[0]
        if total == 0 and batch.status.shape[0] == 0:
            return
        pending = self._screen(batch.status, batch.status_arrival_ns, status=True)
        pending += self._screen(batch.records, batch.arrival_ns, status=False)
        self._submit(pending, self._engine.drain_bars())
        m, status = self._metrics, self._status
        m.records.inc(total)
        m.alerts_raised.inc(len(pending))
        status.records += total
        status.alerts_raised += len(pending)
        first = min(int(a.min()) for a in (batch.arrival_ns, batch.status_arrival_ns) if a.size)
        m.batch_screened((self._clock() - first) / 1e9)
        if total:
            m.feed_lag.observe(max(0.0, (self._wall() - int(batch.records["ts_recv"][-1])) / 1e9))

    def finish(self) -> None:
        """End of the session: complete every open bar and hand it over."""
        self._submit([], self._engine.finish())

    def _screen(
        self, records: npt.NDArray[np.void], arrivals: npt.NDArray[np.int64], *, status: bool
    ) -> list[PendingAlert]:
        """This shard's share of ``records`` (status or MBP-1) through the engine."""
        if records.shape[0] == 0:
            return []
        mask = self._shards.keep(records["instrument_id"])
        if mask is not None:
            records, arrivals = records[mask], arrivals[mask]
        if records.shape[0] == 0:
            return []
        engine = self._engine
        sets = engine.process_status_sets(records) if status else engine.process_sets(records)
        pending = self._pending(sets, arrivals)
        self._seen += records.shape[0]
        return pending

    def _pending(self, sets: list[AlertSet], arrivals: npt.NDArray[np.int64]) -> list[PendingAlert]:
        items: list[tuple[int, int, PendingAlert]] = []
        last = arrivals.shape[0] - 1
        for s in sets:
            index = np.clip(s.ordinal - self._seen, 0, last)
            for ordinal, at, alert in zip(
                s.ordinal.tolist(), arrivals[index].tolist(), s.alerts(), strict=True
            ):
                items.append((ordinal, s.detector, PendingAlert(alert, at)))
        # The engine's output order: by record, then by detector.
        items.sort(key=lambda item: (item[0], item[1]))
        return [item[2] for item in items]


class _WarmReference:
    """Reference data of the one synthetic symbol (dollars, shares per day)."""

    def __init__(self) -> None:
        self.prev_close = {"WARM": 10.0}
        self.avg_volume = {"WARM": 1_000_000.0}

    def for_day(self, day: object) -> _WarmReference:
        return self


def warm_up(config: ScreenerConfig, calendar: TradingCalendar) -> None:
    """Compile (or load from numba's cache) every kernel before records arrive.

    A throwaway engine screens a few synthetic records of a regular session
    (quotes, trades, a gap), so the first live batch does not wait seconds
    for the compiler.
    """
    engine = ScreenerEngine(config=config, reference=_WarmReference(), calendar=calendar)
    engine.set_symbols({1: "WARM"})
    day = calendar.previous_session_day(calendar.eastern_date(time.time_ns()))
    open_ns = calendar.day_bounds_ns(day)[0] + (9 * 60 + 31) * 60 * 1_000_000_000
    records = np.zeros(64, dtype=parsing.MBP1_DTYPE)
    records["length"] = parsing.MBP1_DTYPE.itemsize // 4
    records["rtype"] = parsing.RTYPE_MBP_1
    records["instrument_id"] = 1
    records["ts_event"] = open_ns + np.arange(64) * 30_000_000_000
    records["ts_recv"] = records["ts_event"] + 50_000
    price = (np.linspace(10.2, 13.0, 64) * 1e9).astype(np.int64)
    records["price"] = price
    records["size"] = 500
    records["action"] = np.where(np.arange(64) % 2 == 0, b"T", b"A")
    records["side"] = b"N"
    records["bid_px_00"] = price - 10_000_000
    records["ask_px_00"] = price + 10_000_000
    records["bid_sz_00"] = records["ask_sz_00"] = 100
    for part in np.array_split(records, 4):
        engine.process(part)
        engine.drain_bars()
    engine.finish()
