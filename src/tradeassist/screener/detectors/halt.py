"""``trading_halt`` / ``trading_resume``: from Databento ``status`` records.

A status record whose action is a halt, a pause (a LULD pause) or a suspension
alerts ``trading_halt`` when the symbol was trading; the next ``TRADING``
status alerts ``trading_resume``. A ``TRADING`` status of a symbol not seen
halted (the daily open) alerts nothing. Halts bypass the global filters and
the cooldown. Plain Python: status records are rare.
"""

from __future__ import annotations

import databento_dbn as dbn
import numpy as np

from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events
from tradeassist.screener.view import StatusView

__all__ = ["HaltDetector"]

HALT_ACTIONS = frozenset(
    int(a) for a in (dbn.StatusAction.HALT, dbn.StatusAction.PAUSE, dbn.StatusAction.SUSPEND)
)
RESUME_ACTION = int(dbn.StatusAction.TRADING)


def _name(enum: type, code: int) -> str:
    try:
        return str(enum(code).name).lower()
    except (ValueError, dbn.DBNError):
        return str(code)


class HaltDetector(BaseDetector):
    """Trading halts and resumptions, per symbol."""

    name = "halt"
    alert_types = ("trading_halt", "trading_resume")
    filtered = False

    def detect_status(self, view: StatusView, state: DetectorState) -> Events:
        halted = state.array("halted", np.bool_, False)
        rows: list[int] = []
        kinds: list[int] = []
        pairs = zip(view.slot.tolist(), view.action.tolist(), strict=True)
        for r, (slot, action) in enumerate(pairs):
            if action in HALT_ACTIONS and not halted[slot]:
                halted[slot] = True
                rows.append(r)
                kinds.append(0)
            elif action == RESUME_ACTION and halted[slot]:
                halted[slot] = False
                rows.append(r)
                kinds.append(1)
        idx = np.asarray(rows, np.int64)
        return Events(
            idx,
            np.asarray(kinds, np.int64),
            None,
            {
                "status_action": np.asarray(
                    [_name(dbn.StatusAction, int(view.action[r])) for r in rows], dtype=object
                ),
                "status_reason": np.asarray(
                    [_name(dbn.StatusReason, int(view.reason[r])) for r in rows], dtype=object
                ),
            },
        )
