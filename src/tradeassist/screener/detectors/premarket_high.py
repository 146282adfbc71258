"""``premarket_high_break``: the first regular-session print above the pre-market high.

The pre-market high is the engine's highest price print from 04:00 ET to the
open; with no pre-market print there is nothing to break. Once a day per
symbol: a compiled pass takes each symbol's first candidate, in row order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events
from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import NO_HIGH, PHASE_REGULAR
from tradeassist.screener.view import BatchView

__all__ = ["PremarketHighDetector"]


@kernel
def _breaks(
    eligible: Any, phase: Any, slot: Any, price: Any, pm_high: Any, done: Any, out: Any
) -> int:
    """Rows of the first eligible regular-session print above the pre-market high
    of each symbol not yet ``done`` (marked done); how many."""
    n = 0
    for r in range(price.shape[0]):
        if not eligible[r] or phase[r] != PHASE_REGULAR:
            continue
        s = slot[r]
        if done[s] or pm_high[r] == NO_HIGH or price[r] <= pm_high[r]:
            continue
        done[s] = True
        out[n] = r
        n += 1
    return n


class PremarketHighDetector(BaseDetector):
    """Break of the pre-market high, once a day."""

    name = "premarket_high"
    alert_types = ("premarket_high_break",)

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        done = state.array("done", np.bool_, False)
        pm = view.premarket_high
        found = np.empty(len(view), np.int64)
        count = _breaks(view.eligible, view.phase, view.slot, view.price, pm, done, found)
        if count == 0:
            return Events.empty()
        rows = found[:count]
        high = pm[rows]
        return Events(
            rows,
            np.zeros(rows.size, np.int64),
            np.ones(rows.size),
            {
                "premarket_high": high / 1e9,
                "pct_above": np.round((view.price[rows] - high) / high * 100.0, 4),
            },
        )
