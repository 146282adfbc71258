"""Choose the planted symbols, design their patterns and generate their whole day.

Planted symbols are few (about 3% of the universe), so their records are built
once for the full day, kept in memory and merged into the time slices of the
calm symbols as the file is written.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradeassist.errors import InputError
from tradeassist.feeds.simulator.columns import Carry, Columns, PathInput
from tradeassist.feeds.simulator.events import (
    BREAKOUT_KINDS,
    Plan,
    design_breakout,
    design_decoy,
    design_gap,
    design_spike,
)
from tradeassist.feeds.simulator.profile import DayProfile
from tradeassist.feeds.simulator.records import TRADE_SHARE, build_records
from tradeassist.feeds.simulator.spec import PlantCounts
from tradeassist.feeds.simulator.universe import PRICE_SCALE, Universe

__all__ = ["build_planted", "plan_day"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def plan_day(seed: int, profile: DayProfile, universe: Universe, counts: PlantCounts) -> list[Plan]:
    """One plan per planted symbol; planted symbols trade at $5 or more, decoys under $1."""
    rng = np.random.default_rng([seed, 2])
    eligible = np.flatnonzero((universe.prev_close >= 5 * PRICE_SCALE) & ~universe.sub_dollar)
    if counts.total > len(eligible):
        raise InputError(
            f"{counts.total} planted symbols asked for, but only {len(eligible)} of "
            f"{len(universe)} symbols trade at $5 or more: plant fewer or add symbols"
        )
    pool = iter(rng.permutation(eligible).tolist())
    plans: list[Plan] = []
    for nth in range(counts.gap_ups):
        plans.append(design_gap(rng, profile, next(pool), nth, up=True))
    for nth in range(counts.gap_downs):
        plans.append(design_gap(rng, profile, next(pool), nth, up=False))
    for _ in range(counts.volume_spikes):
        plans.append(design_spike(rng, profile, universe, next(pool)))
    for _ in range(counts.breakouts):
        for kind in BREAKOUT_KINDS:
            plans.append(design_breakout(rng, profile, next(pool), kind))
    for nth, sym in enumerate(np.flatnonzero(universe.sub_dollar).tolist()):
        plans.append(design_decoy(rng, profile, universe, sym, nth))
    return sorted(plans, key=lambda p: p.sym)


def build_planted(
    seed: int,
    profile: DayProfile,
    universe: Universe,
    plans: list[Plan],
    record_counts: I64,
    base_size: F64,
    odd_lot_share: float,
) -> Columns:
    """All records of the planted symbols, sorted by (symbol, time); no late prints."""
    if not plans:
        return Columns.empty()
    rng = np.random.default_rng([seed, 3])
    parts_ts: list[I64] = []
    parts_sym: list[I64] = []
    parts_trade: list[npt.NDArray[np.bool_]] = []
    parts_fixed: list[I64] = []
    parts_forced: list[npt.NDArray[np.bool_]] = []
    for plan in plans:
        n = int(record_counts[plan.sym])
        ts = profile.times_at((np.arange(n) + rng.random(n)) / n)
        trade = rng.random(n) < TRADE_SHARE
        if plan.quiet is not None:
            trade &= ~((ts >= plan.quiet[0]) & (ts <= plan.quiet[1]))
        forced_ts = np.array([t for t, _ in plan.forced] + [t for t, _ in plan.burst], np.int64)
        forced_trade = np.array([k for _, k in plan.forced] + [True] * len(plan.burst), bool)
        fixed = np.array([0] * len(plan.forced) + [s for _, s in plan.burst], np.int64)
        k = len(forced_ts)
        parts_ts += [ts, forced_ts]
        parts_sym.append(np.full(n + k, plan.sym, dtype=np.int64))
        parts_trade += [trade, forced_trade]
        parts_fixed += [np.zeros(n, np.int64), fixed]
        parts_forced += [np.zeros(n, bool), np.ones(k, bool)]
    ts = np.concatenate(parts_ts)
    sym = np.concatenate(parts_sym)
    forced = np.concatenate(parts_forced)
    # By symbol, then time; a forced record goes first at an equal time (a band's
    # opening quote before any trade that should show it).
    order = np.lexsort((~forced, ts, sym))
    ts, sym, forced = ts[order], sym[order], forced[order]
    is_trade = np.concatenate(parts_trade)[order]
    fixed = np.concatenate(parts_fixed)[order]

    center = np.empty(len(ts))
    lo = np.empty(len(ts))
    hi = np.empty(len(ts))
    scale = np.empty(len(ts))
    bounds = np.searchsorted(sym, [p.sym for p in plans] + [len(universe)])
    amp_total = universe.osc_amp.sum(axis=1)
    for plan, a, b in zip(plans, bounds[:-1], bounds[1:], strict=True):
        starts = np.array([t for t, _ in plan.segments], dtype=np.int64)
        seg = np.searchsorted(starts, ts[a:b], side="right") - 1
        bands = [band for _, band in plan.segments]
        center[a:b] = np.array([x.center for x in bands])[seg]
        lo[a:b] = np.array([x.lo for x in bands])[seg]
        hi[a:b] = np.array([x.hi for x in bands])[seg]
        scale[a:b] = np.array([x.wiggle for x in bands])[seg] / amp_total[plan.sym]
    path = PathInput(center, lo, hi, scale, fixed_size=fixed, must_print=forced & is_trade)
    carry = Carry.empty(len(universe))
    return build_records(
        rng, profile, universe, base_size, sym, ts, is_trade, path, carry, odd_lot_share
    )
