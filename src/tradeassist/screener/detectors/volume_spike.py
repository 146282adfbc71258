"""``volume_spike``: the trailing window's volume against what the minute usually trades.

At a price print, the symbol's volume in the trailing window (default 60 s at
one-second resolution, computed by the engine) must be at least ``multiple``
(5) times the expected volume and at least ``min_shares`` (10,000). Expected
= average daily volume x the volume curve's share for the print's minute x
window / 60 s, so the busy open and close need more to count. Needs the
average volume; the engine applies the cooldown (5 min per symbol).
There is no per-symbol memory besides the engine's window; a compiled pass
picks the few rows past the share floor, numpy works out the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events, Parameter
from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import NS_PER_MINUTE
from tradeassist.screener.view import BatchView

__all__ = ["VolumeSpikeDetector"]


@kernel
def _candidates(
    slot: Any, eligible: Any, window: Any, avg: Any, min_shares: float, out: Any
) -> int:
    """Rows (eligible, window volume >= ``min_shares``, average volume known) into ``out``."""
    n = 0
    for r in range(slot.shape[0]):
        if eligible[r] and window[r] >= min_shares and avg[slot[r]] > 0:
            out[n] = r
            n += 1
    return n


class VolumeSpikeDetector(BaseDetector):
    """Relative volume in a trailing window, against an intraday volume curve."""

    name = "volume_spike"
    alert_types = ("volume_spike",)
    cooldown_types = frozenset({"volume_spike"})

    def parameters(self) -> list[Parameter]:
        d, c = ScreenerConfig(), self.config
        return [
            Parameter(
                "volume_spike_multiple",
                d.volume_spike_multiple,
                c.volume_spike_multiple,
                "window volume / expected volume needed (x)",
            ),
            Parameter(
                "volume_spike_min_shares",
                d.volume_spike_min_shares,
                c.volume_spike_min_shares,
                "window volume needed (shares)",
            ),
            Parameter(
                "volume_spike_window_seconds",
                d.volume_spike_window_seconds,
                c.volume_spike_window_seconds,
                "trailing window (seconds, one-second resolution)",
            ),
            Parameter("cooldown_seconds", d.cooldown_seconds, c.cooldown_seconds, "per symbol"),
        ]

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        session = state.session
        if session is None or len(view) == 0:
            return Events.empty()
        cfg = self.config
        window = view.window_volume
        found = np.empty(len(view), np.int64)
        count = _candidates(
            view.slot,
            view.eligible,
            window,
            state.context.avg_volume,
            float(cfg.volume_spike_min_shares),
            found,
        )
        if count == 0:
            return Events.empty()
        rows = found[:count]
        avg = state.context.avg_volume[view.slot[rows]]
        curve = state.context.curve
        minute = (view.ts_event[rows] - session.premarket_open_ns) // NS_PER_MINUTE
        share = curve[np.clip(minute, 0, curve.shape[0] - 1)]
        expected = avg * share * (cfg.volume_spike_window_seconds / 60.0)
        win = window[rows]
        hit = win >= cfg.volume_spike_multiple * expected
        rows, win, expected, avg = rows[hit], win[hit], expected[hit], avg[hit]
        return Events(
            rows,
            np.zeros(rows.size, np.int64),
            None,
            {
                "window_volume": win,
                "expected_volume": np.round(expected, 1),
                "rvol": np.round(win / expected, 2),
                "avg_volume": avg,
                "window_seconds": np.full(rows.size, cfg.volume_spike_window_seconds),
            },
        )
