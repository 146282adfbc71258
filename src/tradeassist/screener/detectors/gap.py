"""``gap_up`` / ``gap_down``: a print at or beyond a level away from the previous close.

Levels (percent, ascending, default 3, 5, 10, 20) escalate: each fires once a
day per direction, and a print crossing several new levels raises one alert,
for the highest. Pre-market and regular session only; needs the previous close.
Thresholds are exact integer arithmetic on fixed-point prices, so a print of
exactly +3.00% fires at 3.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events, Parameter
from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import PHASE_PREMARKET, PHASE_REGULAR
from tradeassist.screener.view import BatchView

__all__ = ["GapDetector"]

_BP = 10_000  # basis points per 1.0


@kernel
def _scan(
    slot: Any,
    price: Any,
    phase: Any,
    eligible: Any,
    prev: Any,
    bps: Any,
    up: Any,
    down: Any,
    out_rows: Any,
    out_kind: Any,
    out_level: Any,
) -> int:
    n = 0
    n_levels = bps.shape[0]
    for r in range(slot.shape[0]):
        if not eligible[r] or (phase[r] != PHASE_PREMARKET and phase[r] != PHASE_REGULAR):
            continue
        s = slot[r]
        pc = prev[s]
        if pc <= 0:
            continue
        move = price[r] - pc
        reached = up if move > 0 else down
        move = abs(move)
        best = -1
        for j in range(reached[s] + 1, n_levels):
            # ceil(pc * bps / 10000) without overflowing int64 for large prices
            need = (pc // _BP) * bps[j] + ((pc % _BP) * bps[j] + _BP - 1) // _BP
            if move >= need:
                best = j
            else:
                break
        if best >= 0:
            reached[s] = best
            out_rows[n] = r
            out_kind[n] = 0 if price[r] > pc else 1
            out_level[n] = best
            n += 1
    return n


class GapDetector(BaseDetector):
    """Gap up/down against the previous close, by escalating levels."""

    name = "gap"
    alert_types = ("gap_up", "gap_down")

    def __init__(self, config: ScreenerConfig | None = None) -> None:
        super().__init__(config)
        self._levels = np.asarray(self.config.gap_levels, dtype=np.float64)
        self._bps = np.round(self._levels * 100).astype(np.int64)

    def parameters(self) -> list[Parameter]:
        return [
            Parameter(
                "gap_levels",
                ScreenerConfig().gap_levels,
                self.config.gap_levels,
                "percent moves from the previous close that alert, ascending",
            )
        ]

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        up = state.array("up_level", np.int64, -1)
        down = state.array("down_level", np.int64, -1)
        n_rows = len(view)
        rows = np.empty(n_rows, np.int64)
        kinds = np.empty(n_rows, np.int64)
        level_idx = np.empty(n_rows, np.int64)
        prev = state.context.prev_close_fixed
        n = _scan(
            view.slot,
            view.price,
            view.phase,
            view.eligible,
            prev,
            self._bps,
            up,
            down,
            rows,
            kinds,
            level_idx,
        )
        rows, kinds, level_idx = rows[:n], kinds[:n], level_idx[:n]
        pc = prev[view.slot[rows]]
        pct = (view.price[rows] - pc) / pc * 100.0
        levels = self._levels[level_idx]
        return Events(
            rows,
            kinds,
            levels,
            {
                "pct_move": np.round(pct, 4),
                "previous_close": state.context.prev_close[view.slot[rows]],
                "level": levels,
            },
        )
