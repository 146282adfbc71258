"""The ground truth: which record triggers each planted event, checked against its design.

Every planted symbol's generated day is read back through the reference rules
(``rules.py``); the first triggering record of each designed event becomes a
truth entry. A design that does not fire as intended, or a planted symbol that
raises an alert of a kind it must not, is a bug in the simulator and stops it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradeassist.domain.alerts import format_ns
from tradeassist.feeds.simulator.columns import Columns
from tradeassist.feeds.simulator.events import Plan
from tradeassist.feeds.simulator.profile import DayProfile
from tradeassist.feeds.simulator.rules import (
    Hit,
    SymbolDay,
    gap_hits,
    high_low_hits,
    opening_range_hits,
    premarket_high_hits,
    volume_spike_hits,
    vwap_hits,
)
from tradeassist.feeds.simulator.universe import PRICE_SCALE, Universe

__all__ = ["SimulatorBug", "planted_events", "symbol_day"]

_BREAKOUT_WINDOW_NS = 10 * 60 * 1_000_000_000


class SimulatorBug(RuntimeError):
    """A planted design did not fire as designed (never the user's fault)."""


def symbol_day(cols: Columns, sym: int) -> SymbolDay:
    """One symbol's records from columns sorted by (symbol, time), without late prints."""
    a, b = np.searchsorted(cols.sym, [sym, sym + 1])
    ts = cols.ts[a:b]
    return SymbolDay(ts, ts, cols.price[a:b], cols.size[a:b], cols.is_trade[a:b])


def _breakout_hits(day: SymbolDay, profile: DayProfile, kind: str) -> list[Hit]:
    if kind == "opening_range_breakout":
        return opening_range_hits(day, profile)
    if kind == "premarket_high_break":
        return premarket_high_hits(day, profile)
    if kind in ("new_high_of_day", "new_low_of_day"):
        return high_low_hits(day, profile, high=kind == "new_high_of_day")
    return vwap_hits(day, profile, reclaim=kind == "vwap_reclaim")


def _check_plan(plan: Plan, day: SymbolDay, profile: DayProfile, universe: Universe) -> list[Hit]:
    """The hits of the plan's designed events; raises ``SimulatorBug`` on any deviation."""
    sym = universe.symbols[plan.sym]
    gaps = gap_hits(day, profile, int(universe.prev_close[plan.sym]))
    spikes = volume_spike_hits(day, profile, float(universe.avg_volume[plan.sym]))
    if plan.kind == "decoy":
        unfiltered = gap_hits(day, profile, int(universe.prev_close[plan.sym]), min_price=0)
        loud = volume_spike_hits(day, profile, float(universe.avg_volume[plan.sym]), min_price=0)
        if gaps or spikes or not unfiltered or not loud:
            raise SimulatorBug(f"decoy {sym} does not gap and spike under $1 as designed")
        return []
    if plan.kind in ("gap_up", "gap_down"):
        want = [(e.alert_type, e.level, e.not_before_ns) for e in plan.expect]
        got = [(h.alert_type, h.level, int(day.ts_event[h.index])) for h in gaps]
        ok = len(got) == len(want) and all(
            g[:2] == w[:2] and g[2] >= w[2] for g, w in zip(got, want, strict=True)
        )
        if not ok or spikes:
            raise SimulatorBug(
                f"{plan.kind} on {sym}: planted {want}, fires {got}, spikes {spikes}"
            )
        return gaps
    if gaps:
        raise SimulatorBug(f"{plan.kind} symbol {sym} gaps: {gaps}")
    if plan.kind == "volume_spike":
        start = plan.expect[0].not_before_ns
        if len(spikes) != 1 or int(day.ts_event[spikes[0].index]) < start:
            raise SimulatorBug(f"volume spike on {sym} fires {spikes}, planted from {start}")
        return spikes
    if spikes:
        raise SimulatorBug(f"{plan.kind} symbol {sym} spikes: {spikes}")
    brk = plan.expect[0].not_before_ns
    hits = _breakout_hits(day, profile, plan.kind)
    if plan.kind in ("opening_range_breakout", "premarket_high_break"):
        chosen = hits[:1] if hits and int(day.ts_event[hits[0].index]) >= brk else []
    else:
        chosen = [h for h in hits if int(day.ts_event[h.index]) >= brk][:1]
    if not chosen or int(day.ts_event[chosen[0].index]) >= brk + _BREAKOUT_WINDOW_NS:
        raise SimulatorBug(f"{plan.kind} on {sym} planted at {brk} fires {hits}")
    return chosen


def _description(plan: Plan, hit: Hit) -> str:
    for expected in plan.expect:
        if expected.alert_type == hit.alert_type and expected.level in (None, hit.level):
            return expected.description
    return plan.expect[0].description


def planted_events(
    plans: list[Plan], cols: Columns, profile: DayProfile, universe: Universe
) -> list[dict[str, Any]]:
    """Truth entries (one per alert a faithful engine must raise), ordered by trigger time."""
    events: list[dict[str, Any]] = []
    for plan in plans:
        day = symbol_day(cols, plan.sym)
        for hit in _check_plan(plan, day, profile, universe):
            ts = int(day.ts_event[hit.index])
            price = int(day.price[hit.index])
            events.append(
                {
                    "symbol": universe.symbols[plan.sym],
                    "instrument_id": int(universe.instrument_ids[plan.sym]),
                    "alert_type": hit.alert_type,
                    "level": hit.level,
                    "ts_event": ts,
                    "trigger_time": format_ns(ts),
                    "price": price / PRICE_SCALE,
                    "price_fixed": price,
                    "size": int(day.size[hit.index]),
                    "description": _description(plan, hit),
                }
            )
    return sorted(events, key=lambda e: (e["ts_event"], e["symbol"], e["alert_type"]))
