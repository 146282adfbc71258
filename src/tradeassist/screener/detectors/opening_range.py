"""``opening_range_breakout``: the first print above the opening range's high.

The opening range is the high of the price prints in [open, open + 5 min)
(``opening_range_minutes``); the first eligible print at or after its end,
in the regular session, above that high alerts. Once a day per symbol; none
without a print in the range. A sequential kernel keeps the range exactly as
of each print even when a late-arriving record still falls inside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events, Parameter
from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import NO_HIGH, NS_PER_MINUTE, PHASE_REGULAR
from tradeassist.screener.view import BatchView

__all__ = ["OpeningRangeDetector"]


@kernel
def _scan(
    slot: Any,
    ts: Any,
    price: Any,
    phase: Any,
    is_print: Any,
    eligible: Any,
    range_end: int,
    high: Any,
    done: Any,
    out_rows: Any,
) -> int:
    n = 0
    for r in range(slot.shape[0]):
        if phase[r] != PHASE_REGULAR or not is_print[r]:
            continue
        s = slot[r]
        p = price[r]
        if ts[r] < range_end:
            if p > high[s]:
                high[s] = p
        elif eligible[r] and not done[s] and high[s] != NO_HIGH and p > high[s]:
            done[s] = True
            out_rows[n] = r
            n += 1
    return n


class OpeningRangeDetector(BaseDetector):
    """Breakout above the high of the first minutes of the regular session."""

    name = "opening_range"
    alert_types = ("opening_range_breakout",)

    def parameters(self) -> list[Parameter]:
        return [
            Parameter(
                "opening_range_minutes",
                ScreenerConfig().opening_range_minutes,
                self.config.opening_range_minutes,
                "length of the opening range from the open (minutes)",
            )
        ]

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        session = state.session
        if session is None or len(view) == 0:
            return Events.empty()
        high = state.array("range_high", np.int64, NO_HIGH)
        done = state.array("done", np.bool_, False)
        range_end = session.open_ns + self.config.opening_range_minutes * NS_PER_MINUTE
        out = np.empty(len(view), np.int64)
        n = _scan(
            view.slot,
            view.ts_event,
            view.price,
            view.phase,
            view.is_print,
            view.eligible,
            range_end,
            high,
            done,
            out,
        )
        rows = out[:n]
        range_high = high[view.slot[rows]]
        return Events(
            rows,
            np.zeros(n, np.int64),
            np.ones(n),
            {
                "opening_range_high": range_high / 1e9,
                "opening_range_minutes": np.full(n, self.config.opening_range_minutes),
            },
        )
