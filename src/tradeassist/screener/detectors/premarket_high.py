"""``premarket_high_break``: the first regular-session print above the pre-market high.

The pre-market high is the engine's highest price print from 04:00 ET to the
open; with no pre-market print there is nothing to break. Once a day per
symbol. Plain numpy: the first candidate per symbol is found with
``np.unique``, which is what a sequential scan would pick.
"""

from __future__ import annotations

import numpy as np

from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events
from tradeassist.screener.layout import NO_HIGH, PHASE_REGULAR
from tradeassist.screener.view import BatchView

__all__ = ["PremarketHighDetector"]


class PremarketHighDetector(BaseDetector):
    """Break of the pre-market high, once a day."""

    name = "premarket_high"
    alert_types = ("premarket_high_break",)

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        done = state.array("done", np.bool_, False)
        pm = view.premarket_high
        candidate = view.eligible & (view.phase == PHASE_REGULAR) & (pm != NO_HIGH)
        candidate &= view.price > pm
        rows = np.flatnonzero(candidate)
        if rows.size == 0:
            return Events.empty()
        slots = view.slot[rows]
        fresh = ~done[slots]
        rows, slots = rows[fresh], slots[fresh]
        _, first = np.unique(slots, return_index=True)
        rows = np.sort(rows[first])
        done[view.slot[rows]] = True
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
