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
from tradeassist.screener.jit import inline_kernel, kernel
from tradeassist.screener.layout import PHASE_PREMARKET, PHASE_REGULAR
from tradeassist.screener.view import BatchView

__all__ = ["GapDetector"]

_BP = 10_000  # basis points per 1.0
_NEVER_UP = int(np.iinfo(np.int64).max)  # no higher price reaches a level
_NEVER_DOWN = int(np.iinfo(np.int64).min)


@inline_kernel
def _need(pc: int, bps: int) -> int:
    """ceil(pc * bps / 10000): the move a level needs, without overflowing int64."""
    return (pc // _BP) * bps + ((pc % _BP) * bps + _BP - 1) // _BP


@kernel
def _thresholds(s: int, pc: int, bps: Any, up: Any, down: Any, up_at: Any, down_at: Any) -> None:
    """The prices at which slot ``s`` reaches its next level up and down (never: the ends)."""
    n_levels = bps.shape[0]
    up_at[s] = _NEVER_UP
    down_at[s] = _NEVER_DOWN
    if pc <= 0:
        return
    if up[s] + 1 < n_levels:
        up_at[s] = pc + _need(pc, bps[up[s] + 1])
    if down[s] + 1 < n_levels:
        down_at[s] = pc - _need(pc, bps[down[s] + 1])


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
    up_at: Any,
    down_at: Any,
    out_rows: Any,
    out_kind: Any,
    out_level: Any,
) -> int:
    """Fire each row that reaches a new level; ``up_at``/``down_at`` cache the prices
    at which the symbol's next level up or down is reached (0: not worked out yet),
    so most rows cost two comparisons."""
    n = 0
    n_levels = bps.shape[0]
    for r in range(slot.shape[0]):
        if not eligible[r] or (phase[r] != PHASE_PREMARKET and phase[r] != PHASE_REGULAR):
            continue
        s = slot[r]
        p = price[r]
        if up_at[s] == 0:
            _thresholds(s, prev[s], bps, up, down, up_at, down_at)
        if up_at[s] > p > down_at[s]:
            continue
        pc = prev[s]
        move = p - pc
        reached = up if move > 0 else down
        move = abs(move)
        best = -1
        for j in range(reached[s] + 1, n_levels):
            if move >= _need(pc, bps[j]):
                best = j
            else:
                break
        if best >= 0:
            reached[s] = best
            out_rows[n] = r
            out_kind[n] = 0 if p > pc else 1
            out_level[n] = best
            n += 1
            _thresholds(s, pc, bps, up, down, up_at, down_at)
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
        up_at = state.array("up_at", np.int64, 0)
        down_at = state.array("down_at", np.int64, 0)
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
            up_at,
            down_at,
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
