"""The screener engine: batches of records in, alerts and one-minute bars out.

The engine owns the per-symbol state (columnar, indexed by dense slot), runs
the compiled scan over each batch, and hands the resulting trade rows to a
:class:`Detection` (every detector, then the gate's global filters and
cooldowns). Time is the records' ``ts_event``; a new US/Eastern date resets the
day's state and reads that day's reference data. Results never depend on how
the stream is cut into batches. The rules are in docs/screener-rules.md.

The scan reads only a few fields of the config (:func:`scan_key`), so configs
that agree on them can share one engine (``more_configs``): one scan, and one
detection per config with its own detectors, states, cooldowns and alerts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from tradeassist.domain.alerts import Alert
from tradeassist.market_calendar import TradingCalendar
from tradeassist.screener.alert_set import AlertSet, DayLabels, ordered_alerts
from tradeassist.screener.bar_kernel import flush_bars
from tradeassist.screener.bar_output import BarSet
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.core_state import CoreState
from tradeassist.screener.detection import Detection
from tradeassist.screener.detectors.base import Detector
from tradeassist.screener.gate import Rows
from tradeassist.screener.kernels import scan_records
from tradeassist.screener.layout import (
    B_COLUMNS,
    BAR_COLUMNS,
    NEW_DAY,
    P_AFTER_HOURS_CLOSE,
    P_PREMARKET_OPEN,
    Q_ASK,
    Q_BID,
    Q_LAST_PRINT,
)
from tradeassist.screener.reference_arrays import (
    DayReferenceLike,
    ReferenceSource,
    reference_arrays,
)
from tradeassist.screener.registry import load_detectors, ordered
from tradeassist.screener.session_params import day_parameters
from tradeassist.screener.view import R_COLUMNS, StatusView, batch_view
from tradeassist.screener.volume_curve import default_curve

__all__ = ["DayReferenceLike", "ReferenceSource", "ScreenerEngine", "ordered_alerts", "scan_key"]


def scan_key(config: ScreenerConfig, bars: bool) -> tuple[bytes, float]:
    """What the scan reads of a config (and the bars switch): equal keys, equal trade rows."""
    return day_parameters(config, None, 0, 0, bars).tobytes(), config.max_spread_pct


class ScreenerEngine:
    """Runs every detector over record batches with state O(symbols).

    ``symbology(day)``, when given, supplies the instrument-id map of each
    trading day as it starts (ids are unique within a day only).
    ``more_configs``: further configs detected over the same scan, each with the
    detectors :func:`load_detectors` gives it; each must have ``config``'s
    :func:`scan_key`. :meth:`process_each` returns every config's alerts.
    """

    def __init__(
        self,
        *,
        config: ScreenerConfig,
        reference: ReferenceSource,
        calendar: TradingCalendar,
        detectors: Sequence[Detector] | None = None,
        curve: npt.NDArray[np.float64] | None = None,
        bars: bool = True,
        symbology: Callable[[dt.date], Mapping[int, str]] | None = None,
        more_configs: Sequence[ScreenerConfig] = (),
    ) -> None:
        if any(scan_key(c, bars) != scan_key(config, bars) for c in more_configs):
            raise ValueError("more_configs must read the scan as config does (scan_key)")
        self._config = config
        self._reference = reference
        self._calendar = calendar
        self._bars_on = bars
        self._symbology = symbology
        curve = default_curve() if curve is None else curve
        first = load_detectors(config) if detectors is None else ordered(detectors)
        self._detections = [
            Detection(config, first, curve),
            *(Detection(c, load_detectors(c), curve) for c in more_configs),
        ]
        self._core = CoreState(window_seconds=config.volume_spike_window_seconds)
        self._day: dt.date | None = None
        self._day_ref: DayReferenceLike | None = None
        self._labels = DayLabels(dt.date(1970, 1, 1), 0)
        self._prm = day_parameters(config, None, 0, 0, bars)
        self._seen = 0  # records before the current batch, for the stream-wide order
        self._rows = np.empty((R_COLUMNS, 0), np.int64)
        self._vwap = np.empty(0, np.float64)
        self._flags = np.empty((B_COLUMNS, 0), np.bool_)
        self._phase = np.empty(0, np.int8)
        self._bar_buf = np.empty((0, BAR_COLUMNS), np.int64)
        self._pending_bars: list[npt.NDArray[np.int64]] = []  # kernel rows, copied
        self._names: tuple[str, ...] = ()
        self._capacity = 0
        self._sync_capacity()

    @property
    def detectors(self) -> list[Detector]:
        return list(self._detections[0].detectors)

    @property
    def symbols(self) -> list[str]:
        return list(self._core.symbols)

    def set_symbols(self, mapping: Mapping[int, str]) -> None:
        """Map instrument ids to symbols (a remap moves an id to the new symbol)."""
        new = self._core.map_symbols(mapping)
        self._sync_capacity()
        if new and self._day_ref is not None:
            self._fill_reference(new)

    def process(self, records: npt.NDArray[np.void]) -> list[Alert]:
        """Run a batch of MBP-1 (or trades) records, in file order; its alerts in order."""
        return ordered_alerts(self.process_sets(records))

    def process_status(self, records: npt.NDArray[np.void]) -> list[Alert]:
        """Run Databento ``status`` records (halts and resumptions), in order."""
        return ordered_alerts(self.process_status_sets(records))

    def process_sets(self, records: npt.NDArray[np.void]) -> list[AlertSet]:
        """:meth:`process` with the alerts kept columnar (see :class:`AlertSet`)."""
        return self.process_each(records)[0]

    def process_status_sets(self, records: npt.NDArray[np.void]) -> list[AlertSet]:
        """:meth:`process_status` with the alerts kept columnar."""
        return self.process_status_each(records)[0]

    def process_each(self, records: npt.NDArray[np.void]) -> list[list[AlertSet]]:
        """:meth:`process_sets` of every config (``config``, then ``more_configs``)."""
        each: list[list[AlertSet]] = [[] for _ in self._detections]
        n = records.shape[0]
        if n == 0:
            return each
        ts = records["ts_event"].view(np.int64)
        words, table = self._core.kernel_words(records)
        if self._rows.shape[1] < n:
            self._alloc_rows(n)
        start = 0
        while start < n:
            if self._day is None:
                self._begin_day(self._calendar.eastern_date(int(ts[start])))
            core = self._core
            start, reason, n_rows, n_bars = scan_records(
                words,
                start,
                table,
                self._prm,
                self._config.max_spread_pct,
                core.st,
                core.qt,
                core.bt,
                core.queue,
                core.clock,
                self._rows,
                self._vwap,
                self._flags,
                self._phase,
                self._bar_buf,
            )
            self._keep_bars(n_bars)
            if n_rows:
                self._detect(records, n_rows, each)
            if reason == NEW_DAY:
                self._end_day()
                self._begin_day(self._calendar.eastern_date(int(ts[start])))
        self._seen += n
        return each

    def process_status_each(self, records: npt.NDArray[np.void]) -> list[list[AlertSet]]:
        """:meth:`process_status_sets` of every config (``config``, then ``more_configs``)."""
        ts = records["ts_event"].view(np.int64)
        each: list[list[AlertSet]] = [[] for _ in self._detections]
        start = 0
        while start < records.shape[0]:
            if self._day is None:
                self._begin_day(self._calendar.eastern_date(int(ts[start])))
            later = np.flatnonzero(ts[start:] >= self._day_end)
            stop = start + int(later[0]) if later.size else records.shape[0]
            self._detect_status(records, start, stop, each)
            if stop < records.shape[0]:
                self._end_day()
                self._begin_day(self._calendar.eastern_date(int(ts[stop])))
            start = stop
        self._seen += records.shape[0]
        return each

    def drain_bars(self) -> BarSet:
        """Bars completed since the last call (a bar completes when the clock leaves its
        minute), as columns; the engine keeps none of them."""
        pending, self._pending_bars = self._pending_bars, []
        if len(self._names) != len(self._core.symbols):  # slots are only ever added
            self._names = tuple(self._core.symbols)
        if not pending:
            return BarSet.empty(self._names)
        rows = pending[0] if len(pending) == 1 else np.concatenate(pending)
        return BarSet.of_rows(rows, self._names)

    def finish(self) -> BarSet:
        """End of stream: complete every open bar and return what is pending."""
        self._end_day()
        return self.drain_bars()

    # --- days ---------------------------------------------------------------------
    def _begin_day(self, day: dt.date) -> None:
        session = self._calendar.session(day)
        start_ns, end_ns = self._calendar.day_bounds_ns(day)
        self._day, self._day_end = day, end_ns
        self._prm = day_parameters(self._config, session, start_ns, end_ns, self._bars_on)
        self._labels = DayLabels(day, session.premarket_open_ns if session else start_ns)
        if self._symbology is not None:
            self.set_symbols(self._symbology(day))
        self._core.reset_day()
        self._day_ref = None if session is None else self._reference.for_day(day)
        self._fill_reference(range(self._capacity))
        for detection in self._detections:
            detection.begin_day(day, session)

    def _end_day(self) -> None:
        if self._bars_on:
            core = self._core
            self._keep_bars(flush_bars(np.iinfo(np.int64).max, core.qt, core.bt, self._bar_buf, 0))

    def _fill_reference(self, slots: Sequence[int]) -> None:
        names = self._core.symbols
        index = np.asarray(slots, dtype=np.int64)
        prev, fixed, avg = reference_arrays(
            self._day_ref, [names[s] if s < len(names) else "" for s in index.tolist()]
        )
        for detection in self._detections:
            detection.set_reference(index, prev, fixed, avg)

    # --- buffers -------------------------------------------------------------------
    def _sync_capacity(self) -> None:
        cap = self._core.capacity
        if cap == self._capacity:
            return
        for detection in self._detections:
            detection.grow(cap, self._core.symbols)
        self._bar_buf = np.empty((2 * cap, BAR_COLUMNS), np.int64)
        self._capacity = cap

    def _alloc_rows(self, n: int) -> None:
        self._rows = np.empty((R_COLUMNS, n), np.int64)
        self._vwap = np.empty(n, np.float64)
        self._flags = np.empty((B_COLUMNS, n), np.bool_)
        self._phase = np.empty(n, np.int8)

    def _keep_bars(self, n: int) -> None:
        if n:
            self._pending_bars.append(self._bar_buf[:n].copy())  # the buffer is reused

    # --- detection -------------------------------------------------------------------
    def _detect(self, records: npt.NDArray[np.void], n: int, each: list[list[AlertSet]]) -> None:
        view = batch_view(records, self._rows, self._flags, self._phase, self._vwap, n)
        rows = Rows(
            view.slot,
            view.ts_event,
            view.price,
            view.bid,
            view.ask,
            view.record_index + self._seen,
            view.eligible,
        )
        for detection, sets in zip(self._detections, each, strict=True):
            sets += detection.detect(view, rows, self._core.symbols, self._labels)

    def _detect_status(
        self, records: npt.NDArray[np.void], start: int, stop: int, each: list[list[AlertSet]]
    ) -> None:
        part = records[start:stop]
        ts = part["ts_event"].view(np.int64)
        slots = self._core.slots_for(part["instrument_id"])
        pm_open, ah_close = self._prm_window()
        idx = np.flatnonzero((slots >= 0) & (ts >= pm_open) & (ts < ah_close))
        if idx.size == 0:
            return
        view = StatusView(
            part,
            idx + start,
            slots[idx],
            ts[idx],
            part["action"][idx],
            part["reason"][idx],
            part["is_trading"][idx],
        )
        qt = self._core.qt[view.slot]
        rows = Rows(
            view.slot,
            view.ts_event,
            qt[:, Q_LAST_PRINT],
            qt[:, Q_BID],
            qt[:, Q_ASK],
            view.record_index + self._seen,
            None,
        )
        for detection, sets in zip(self._detections, each, strict=True):
            sets += detection.detect_status(view, rows, self._core.symbols, self._labels)

    def _prm_window(self) -> tuple[int, int]:
        return int(self._prm[P_PREMARKET_OPEN]), int(self._prm[P_AFTER_HOURS_CLOSE])
