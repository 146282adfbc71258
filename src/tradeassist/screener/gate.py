"""From detector events to accepted alerts: filters, order, cooldowns.

Every detector's events of one stretch of records are merged in record order
(then detector order), events on rows that fail the global filters are dropped
(for detectors that are ``filtered``), and the per-symbol, per-type cooldown
is applied in that order by a compiled loop. What survives becomes one
:class:`AlertSet` per detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradeassist.screener.alert_set import AlertSet, DayLabels
from tradeassist.screener.detectors.base import Detector, Events
from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import NO_TIME, NS_PER_SECOND

__all__ = ["AlertGate", "Rows"]

I64 = npt.NDArray[np.int64]


@kernel
def apply_cooldown(
    slots: Any, kinds: Any, ts: Any, cooled: Any, last: Any, cooldown_ns: int, keep: Any
) -> None:
    """Keep an event unless the same symbol and type fired less than ``cooldown_ns`` before.

    Events are in record order; ``last[kind, slot]`` is the ts_event of the last
    kept alert (NO_TIME: none). Kinds with ``cooled[kind]`` false always pass.
    """
    for e in range(slots.shape[0]):
        k = kinds[e]
        if not cooled[k]:
            keep[e] = True
            continue
        s = slots[e]
        prev = last[k, s]
        if prev != NO_TIME and ts[e] - prev < cooldown_ns:
            keep[e] = False
        else:
            keep[e] = True
            last[k, s] = ts[e]


@dataclass(frozen=True, slots=True)
class Rows:
    """The columns an alert needs, one entry per row events refer to."""

    slot: I64
    ts: I64
    price: I64
    bid: I64
    ask: I64
    ordinal: I64  # the row's record position in the whole stream
    eligible: npt.NDArray[np.bool_] | None  # None: no global filters (status records)


class AlertGate:
    """Holds the cooldown memory (last alert time per alert kind and slot)."""

    def __init__(self, detectors: Sequence[Detector], cooldown_seconds: int, capacity: int) -> None:
        self._detectors = list(detectors)
        self._base = np.cumsum([0] + [len(d.alert_types) for d in detectors]).tolist()
        self._cooled = np.array(
            [t in d.cooldown_types for d in detectors for t in d.alert_types], dtype=np.bool_
        )
        self._cooldown_ns = cooldown_seconds * NS_PER_SECOND
        self._last = np.full((len(self._cooled), capacity), NO_TIME, np.int64)

    def reset_day(self) -> None:
        self._last.fill(NO_TIME)

    def grow(self, capacity: int) -> None:
        last = np.full((self._last.shape[0], capacity), NO_TIME, np.int64)
        last[:, : self._last.shape[1]] = self._last
        self._last = last

    def accept(
        self,
        found: Sequence[tuple[int, Events]],
        rows: Rows,
        symbols: Sequence[str],
        labels: DayLabels,
    ) -> list[AlertSet]:
        """The alerts that pass, one set per detector, in detector order."""
        parts: list[tuple[int, Events, I64, I64]] = []
        for d, events in found:
            if len(events) == 0:
                continue
            det = self._detectors[d]
            pos = np.asarray(events.rows, np.int64)
            kinds = np.asarray(events.kinds, np.int64)
            if kinds.min() < 0 or kinds.max() >= len(det.alert_types):
                raise ValueError(f"detector {det.name!r} returned an unknown alert kind")
            keep = np.arange(pos.shape[0])
            if det.filtered and rows.eligible is not None:
                keep = np.flatnonzero(rows.eligible[pos])
            keep = keep[np.argsort(pos[keep], kind="stable")]  # record order within a detector
            parts.append((d, events, keep, pos[keep]))
        if not parts:
            return []
        pos = np.concatenate([p[3] for p in parts])
        part_of = np.concatenate([np.full(p[3].shape[0], k) for k, p in enumerate(parts)])
        kinds = np.concatenate([events.kinds[keep] + self._base[d] for d, events, keep, _ in parts])
        order = np.lexsort((part_of, pos))
        passed = np.empty(order.shape[0], np.bool_)
        apply_cooldown(
            rows.slot[pos[order]],
            kinds[order],
            rows.ts[pos[order]],
            self._cooled,
            self._last,
            self._cooldown_ns,
            passed,
        )
        passed_of = np.empty_like(passed)
        passed_of[order] = passed
        sets: list[AlertSet] = []
        start = 0
        for d, events, keep, at in parts:
            ok = passed_of[start : start + at.shape[0]]
            start += at.shape[0]
            chosen, r = keep[ok], at[ok]
            if r.shape[0] == 0:
                continue
            sets.append(
                AlertSet(
                    alert_types=self._detectors[d].alert_types,
                    kinds=np.asarray(events.kinds, np.int64)[chosen],
                    slot=rows.slot[r],
                    ts=rows.ts[r],
                    price=rows.price[r],
                    bid=rows.bid[r],
                    ask=rows.ask[r],
                    ordinal=rows.ordinal[r],
                    detector=d,
                    symbols=symbols,
                    labels=labels,
                    levels=None if events.levels is None else np.asarray(events.levels)[chosen],
                    conditions={k: np.asarray(v)[chosen] for k, v in events.conditions.items()},
                )
            )
        return sets
