"""``vwap_reclaim`` / ``vwap_loss``: a cross of the session VWAP after a long stay on one side.

The VWAP is the engine's regular-session VWAP of all trades before the print
(odd lots included). Every regular-session price print is above, below or at
the VWAP; a run is the stretch of prints on one side, starting at its first
print. An eligible print above the VWAP that ends a run of prints below it
lasting at least ``vwap_min_minutes`` (10) alerts ``vwap_reclaim``; the mirror
alerts ``vwap_loss``. A print exactly at the VWAP ends a run without alerting.
The engine applies the cooldown (5 min per symbol and type).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events, Parameter
from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import NO_TIME, NS_PER_MINUTE, PHASE_REGULAR
from tradeassist.screener.view import BatchView

__all__ = ["VwapDetector"]


@kernel
def _scan(
    slot: Any,
    ts: Any,
    price: Any,
    phase: Any,
    is_print: Any,
    eligible: Any,
    vwap: Any,
    min_run: int,
    side: Any,
    since: Any,
    out_rows: Any,
    out_kind: Any,
    out_run: Any,
) -> int:
    n = 0
    for r in range(slot.shape[0]):
        v = vwap[r]
        if phase[r] != PHASE_REGULAR or not is_print[r] or np.isnan(v):
            continue
        s = slot[r]
        p = float(price[r])
        now = 1 if p > v else (-1 if p < v else 0)
        if now == side[s]:
            continue
        run = ts[r] - since[s] if since[s] != NO_TIME else 0
        if eligible[r] and now != 0 and side[s] == -now and run >= min_run:
            out_rows[n] = r
            out_kind[n] = 0 if now > 0 else 1
            out_run[n] = run
            n += 1
        side[s] = now
        since[s] = ts[r] if now != 0 else NO_TIME
    return n


class VwapDetector(BaseDetector):
    """Reclaim or loss of the session VWAP after a long run on the other side."""

    name = "vwap"
    alert_types = ("vwap_reclaim", "vwap_loss")
    cooldown_types = frozenset(alert_types)

    def parameters(self) -> list[Parameter]:
        d, c = ScreenerConfig(), self.config
        return [
            Parameter(
                "vwap_min_minutes",
                d.vwap_min_minutes,
                c.vwap_min_minutes,
                "minutes every print must have been on the other side of VWAP",
            ),
            Parameter("cooldown_seconds", d.cooldown_seconds, c.cooldown_seconds, "per symbol"),
        ]

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        if len(view) == 0:
            return Events.empty()
        side = state.array("side", np.int8, 0)
        since = state.array("since", np.int64, NO_TIME)
        size = len(view)
        rows, kinds, runs = (np.empty(size, np.int64) for _ in range(3))
        n = _scan(
            view.slot,
            view.ts_event,
            view.price,
            view.phase,
            view.is_print,
            view.eligible,
            view.vwap,
            self.config.vwap_min_minutes * NS_PER_MINUTE,
            side,
            since,
            rows,
            kinds,
            runs,
        )
        rows, kinds, runs = rows[:n], kinds[:n], runs[:n]
        return Events(
            rows,
            kinds,
            None,
            {
                "vwap": np.round(view.vwap[rows] / 1e9, 6),
                "minutes_on_other_side": np.round(runs / NS_PER_MINUTE, 2),
            },
        )
