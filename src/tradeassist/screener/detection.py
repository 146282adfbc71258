"""One config's detection: its detectors, their memory and its gate, over the scan's rows.

The engine's scan writes the trade rows of a batch once (:mod:`.kernels`); a
:class:`Detection` turns them into alerts for one :class:`ScreenerConfig`: every
detector reads the rows with its own :class:`DetectorState`, then the
:class:`AlertGate` applies the global filters and that config's cooldowns. The
rows are read-only and a detection keeps all of its memory itself, so several
detections can read the rows of one scan (a parameter sweep whose points differ
only in detector thresholds) and each gives the alerts it would give alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tradeassist.market_calendar import Session
from tradeassist.screener.alert_set import AlertSet, DayLabels
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import DayContext, Detector, DetectorState
from tradeassist.screener.gate import AlertGate, Rows
from tradeassist.screener.view import BatchView, StatusView

__all__ = ["Detection"]


class Detection:
    """The detectors of one config with their states, day context and cooldowns."""

    def __init__(
        self, config: ScreenerConfig, detectors: Sequence[Detector], curve: npt.NDArray[np.float64]
    ) -> None:
        self.detectors = list(detectors)
        self._context = DayContext(config=config, curve=curve)
        self._states = [DetectorState(self._context, 0) for _ in self.detectors]
        self._gate = AlertGate(self.detectors, config.cooldown_seconds, 0)

    def grow(self, capacity: int, symbols: list[str]) -> None:
        """Room for ``capacity`` slots (the context's arrays get NaN / 0 for new ones)."""
        ctx = self._context
        old = ctx.prev_close.shape[0]
        ctx.symbols = symbols
        for name, fill, dtype in (
            ("prev_close", np.nan, np.float64),
            ("prev_close_fixed", 0, np.int64),
            ("avg_volume", np.nan, np.float64),
        ):
            bigger = np.full(capacity, fill, dtype=dtype)
            bigger[:old] = getattr(ctx, name)[:old]
            setattr(ctx, name, bigger)
        for state in self._states:
            state.grow(capacity)
        self._gate.grow(capacity)

    def set_reference(
        self,
        slots: npt.NDArray[np.int64],
        prev_close: npt.NDArray[np.float64],
        prev_close_fixed: npt.NDArray[np.int64],
        avg_volume: npt.NDArray[np.float64],
    ) -> None:
        """The day's reference figures of ``slots`` (dollars, fixed-point, shares)."""
        ctx = self._context
        ctx.prev_close[slots], ctx.prev_close_fixed[slots] = prev_close, prev_close_fixed
        ctx.avg_volume[slots] = avg_volume

    def begin_day(self, day: dt.date, session: Session | None) -> None:
        """A new trading day: cooldowns and detector memory cleared (reference already set)."""
        self._gate.reset_day()
        self._context.trading_day = day
        self._context.session = session
        for det, state in zip(self.detectors, self._states, strict=True):
            state.reset()
            det.reset_day(state)

    def detect(
        self, view: BatchView, rows: Rows, symbols: Sequence[str], labels: DayLabels
    ) -> list[AlertSet]:
        """The alerts of a batch's trade rows, one set per detector that fired."""
        found = [
            (d, det.detect(view, state))
            for d, (det, state) in enumerate(zip(self.detectors, self._states, strict=True))
        ]
        return self._gate.accept(found, rows, symbols, labels)

    def detect_status(
        self, view: StatusView, rows: Rows, symbols: Sequence[str], labels: DayLabels
    ) -> list[AlertSet]:
        """The alerts of a batch's status records."""
        found = [
            (d, det.detect_status(view, state))
            for d, (det, state) in enumerate(zip(self.detectors, self._states, strict=True))
        ]
        return self._gate.accept(found, rows, symbols, labels)
