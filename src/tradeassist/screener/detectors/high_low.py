"""``new_high_of_day`` / ``new_low_of_day``: a regular-session print beyond the day's range.

The high and low are the engine's regular-session figures (every price print
from the open, before this one). A print above the high (below the low) at or
after open + 15 min alerts; the engine's cooldown (5 min per symbol and type)
keeps a trending stock from alerting on every tick while the high keeps
updating. No memory of its own: a compiled pass picks the rows beyond the
range, numpy works out the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events, Parameter
from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import NO_HIGH, NO_LOW, NS_PER_MINUTE, PHASE_REGULAR
from tradeassist.screener.view import BatchView

__all__ = ["HighLowDetector"]


@kernel
def _beyond(
    eligible: Any, phase: Any, ts: Any, price: Any, high: Any, low: Any, start: int, out: Any
) -> int:
    """Rows of eligible regular-session prints at or after ``start`` above the high
    (``out`` gets ``row``) or below the low (``-1 - row``); how many."""
    n = 0
    for r in range(price.shape[0]):
        if not eligible[r] or phase[r] != PHASE_REGULAR or ts[r] < start:
            continue
        p = price[r]
        if high[r] != NO_HIGH and p > high[r]:
            out[n] = r
            n += 1
        elif low[r] != NO_LOW and p < low[r]:
            out[n] = -1 - r
            n += 1
    return n


class HighLowDetector(BaseDetector):
    """New high or low of the regular session, after the first minutes."""

    name = "high_low"
    alert_types = ("new_high_of_day", "new_low_of_day")
    cooldown_types = frozenset(alert_types)

    def parameters(self) -> list[Parameter]:
        d, c = ScreenerConfig(), self.config
        return [
            Parameter(
                "hod_delay_minutes",
                d.hod_delay_minutes,
                c.hod_delay_minutes,
                "minutes after the open before a new high/low alerts",
            ),
            Parameter("cooldown_seconds", d.cooldown_seconds, c.cooldown_seconds, "per symbol"),
        ]

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        session = state.session
        if session is None or len(view) == 0:
            return Events.empty()
        start = session.open_ns + self.config.hod_delay_minutes * NS_PER_MINUTE
        found = np.empty(len(view), np.int64)
        count = _beyond(
            view.eligible, view.phase, view.ts_event, view.price, view.high, view.low, start, found
        )
        if count == 0:
            return Events.empty()
        coded = found[:count]
        is_up = coded >= 0
        rows = np.where(is_up, coded, -1 - coded)
        previous = np.where(is_up, view.high[rows], view.low[rows])
        return Events(
            rows,
            np.where(is_up, 0, 1).astype(np.int64),
            None,
            {
                "previous_high": np.where(is_up, previous / 1e9, np.nan),
                "previous_low": np.where(is_up, np.nan, previous / 1e9),
                "pct_beyond": np.round((view.price[rows] - previous) / previous * 100.0, 4),
            },
        )
