"""``volume_spike``: the trailing window's volume against what the minute usually trades.

At a price print, the symbol's volume in the trailing window (default 60 s at
one-second resolution, computed by the engine) must be at least ``multiple``
(5) times the expected volume and at least ``min_shares`` (10,000). Expected
= average daily volume x the volume curve's share for the print's minute x
window / 60 s, so the busy open and close need more to count. Needs the
average volume; the engine applies the cooldown (5 min per symbol).
There is no per-symbol memory besides the engine's window; a compiled pass
picks the rows where the rule fires, numpy works out their conditions.
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
def _spikes(
    slot: Any,
    eligible: Any,
    window: Any,
    ts: Any,
    avg: Any,
    curve: Any,
    premarket_open: int,
    min_shares: float,
    multiple: float,
    window_minutes: float,
    out: Any,
) -> int:
    """Rows where the rule fires into ``out``; how many.

    The rule as the numpy below states it, operation for operation (so each
    float is the same): an eligible print, window volume at least
    ``min_shares`` and at least ``multiple`` x average volume x the curve's
    share of the print's minute x the window in minutes.
    """
    n = 0
    last = curve.shape[0] - 1
    for r in range(slot.shape[0]):
        if not eligible[r] or window[r] < min_shares:
            continue
        a = avg[slot[r]]
        if not a > 0:
            continue
        minute = min(max((ts[r] - premarket_open) // NS_PER_MINUTE, 0), last)
        if window[r] >= multiple * (a * curve[minute] * window_minutes):
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
        curve = state.context.curve
        window_minutes = cfg.volume_spike_window_seconds / 60.0
        found = np.empty(len(view), np.int64)
        count = _spikes(
            view.slot,
            view.eligible,
            window,
            view.ts_event,
            state.context.avg_volume,
            curve,
            session.premarket_open_ns,
            float(cfg.volume_spike_min_shares),
            float(cfg.volume_spike_multiple),
            window_minutes,
            found,
        )
        if count == 0:
            return Events.empty()
        rows = found[:count]
        avg = state.context.avg_volume[view.slot[rows]]
        minute = (view.ts_event[rows] - session.premarket_open_ns) // NS_PER_MINUTE
        share = curve[np.clip(minute, 0, curve.shape[0] - 1)]
        expected = avg * share * window_minutes
        win = window[rows]
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
