"""``simulate_day``: build the universe and planted events, then stream the day to disk.

Calm symbols are generated slice by slice in time (each slice a few hundred
thousand records), merged with the planted symbols' records of that slice,
sorted by time and written, so memory stays bounded whatever ``records`` is.
``ts_recv`` is ``ts_event`` plus 15-90 microseconds, made non-decreasing, so
the file is sorted by both; late prints (a trade reported over 10 s after it
happened) are the one exception, as on a real tape.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tradeassist.domain.alerts import format_ns
from tradeassist.feeds.simulator.columns import Carry, Columns, PathInput
from tradeassist.feeds.simulator.events import BREAKOUT_KINDS, Plan
from tradeassist.feeds.simulator.planted import build_planted, plan_day
from tradeassist.feeds.simulator.prices import CALM_BAND
from tradeassist.feeds.simulator.profile import NS, DayProfile
from tradeassist.feeds.simulator.records import TRADE_SHARE, build_records
from tradeassist.feeds.simulator.spec import SimulationResult, SimulationSpec
from tradeassist.feeds.simulator.truth import planted_events
from tradeassist.feeds.simulator.universe import Universe, allocate, build_universe
from tradeassist.feeds.simulator.writer import (
    MBP1_DTYPE,
    DbnSink,
    metadata_header,
    output_paths,
    write_reference,
    write_truth,
)

__all__ = ["simulate_day"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_SLICE_RECORDS = 250_000
_MIN_CALM_RECORDS = 20
_PLANTED_RECORDS = 1_500
_F_LAST = 0x80
# Trades ask for 1.25x the day's volume: the calm cap trims busy minutes of big
# symbols, so they end near 0.8x and small ones near 1.25x of ``avg_volume``.
_DEMAND = 1.25
_LATE_DELAY_NS = (int(10.5 * NS), 45 * NS)


def _record_counts(total: int, universe: Universe, planted: list[int]) -> I64:
    """Random records per symbol: ~avg_volume^0.4, planted symbols at least ~3x the mean."""
    weights = universe.avg_volume.astype(np.float64) ** 0.4
    counts = allocate(total, weights)
    is_planted = np.zeros(len(universe), dtype=np.bool_)
    is_planted[planted] = True
    calm = ~is_planted
    boost = int(min(_PLANTED_RECORDS, 3 * total / len(universe)))
    counts[is_planted] = np.maximum(counts[is_planted], boost)
    left = total - int(counts[is_planted].sum()) - _MIN_CALM_RECORDS * int(calm.sum())
    if left < 0:  # too many planted symbols to boost: plain shares for everyone
        return allocate(total, weights)
    counts[calm] = _MIN_CALM_RECORDS + allocate(left, weights[calm])
    return counts


def _slices(profile: DayProfile, calm_records: int) -> list[tuple[int, int]]:
    """Minute ranges holding about ``_SLICE_RECORDS`` calm records each."""
    edges = [0]
    per_record = 1.0 / max(calm_records, 1)
    for m in range(1, len(profile.cdf)):
        if (profile.cdf[m] - profile.cdf[edges[-1]]) >= _SLICE_RECORDS * per_record:
            edges.append(m)
    if edges[-1] != len(profile.cdf) - 1:
        edges.append(len(profile.cdf) - 1)
    return list(itertools.pairwise(edges))


class _Day:
    """The state carried across slices while one day is written."""

    def __init__(self, spec: SimulationSpec, profile: DayProfile, universe: Universe) -> None:
        self.spec = spec
        self.profile = profile
        self.universe = universe
        self.carry = Carry.empty(len(universe))
        self.last_recv = 0
        self.sequence = 0
        self.late_prints = 0
        self.buffer = np.zeros(0, dtype=MBP1_DTYPE)

    def calm_slice(
        self, index: int, m0: int, m1: int, calm: I64, counts: I64, offsets: F64, base: F64
    ) -> Columns:
        rng = np.random.default_rng([self.spec.seed, 1, index])
        cdf = self.profile.cdf
        before = np.floor(counts * cdf[m0] + offsets).astype(np.int64)
        upto = np.floor(counts * cdf[m1] + offsets).astype(np.int64)
        per_symbol = upto - before
        sym = np.repeat(calm, per_symbol)
        n = len(sym)
        first = np.repeat(np.cumsum(per_symbol) - per_symbol, per_symbol)
        rank = np.arange(n) - first
        # Stratified within the slice: the k-th of c records lands in the k-th c-quantile.
        u = (rank + rng.random(n)) / np.repeat(per_symbol, per_symbol)
        ts = self.profile.times_at(cdf[m0] + u * (cdf[m1] - cdf[m0]))
        ts = np.minimum(ts, self.profile.minute_ns(m1) - 1)
        is_trade = rng.random(n) < TRADE_SHARE
        path = PathInput(CALM_BAND.center, CALM_BAND.lo, CALM_BAND.hi, scale=1.0)
        return build_records(
            rng,
            self.profile,
            self.universe,
            base,
            sym,
            ts,
            is_trade,
            path,
            self.carry,
            self.spec.odd_lot_share,
            self.spec.late_print_share,
        )

    def to_dbn(self, cols: Columns, index: int) -> npt.NDArray[np.void]:
        """The slice's records in file order, as MBP-1 structs (a view of a reused buffer)."""
        rng = np.random.default_rng([self.spec.seed, 4, index])
        n = len(cols)
        if len(self.buffer) < n:
            self.buffer = np.zeros(int(n * 1.25) + 1024, dtype=MBP1_DTYPE)
        out = self.buffer[:n]
        order = np.lexsort((cols.sym, cols.ts))
        c = cols.take(order)
        recv = np.maximum.accumulate(c.ts + rng.integers(15_000, 90_000, size=n))
        recv = np.maximum(recv, self.last_recv)
        if n:
            self.last_recv = int(recv[-1])
        delay = rng.integers(*_LATE_DELAY_NS, size=n)
        self.late_prints += int(c.late.sum())
        out["length"] = MBP1_DTYPE.itemsize // 4
        out["rtype"] = 0x01
        out["publisher_id"] = self.spec.publisher_id
        out["instrument_id"] = self.universe.instrument_ids[c.sym]
        out["ts_event"] = np.where(c.late, recv - delay, c.ts)
        out["price"] = c.price
        out["size"] = c.size
        out["action"] = c.action.view("S1")
        out["side"] = c.side.view("S1")
        out["flags"] = _F_LAST
        out["depth"] = 0
        out["ts_recv"] = recv
        out["ts_in_delta"] = rng.integers(2_000, 12_000, size=n)
        out["sequence"] = np.arange(self.sequence + 1, self.sequence + n + 1)
        self.sequence += n
        out["bid_px_00"] = c.bid
        out["ask_px_00"] = c.ask
        out["bid_sz_00"] = c.bid_sz
        out["ask_sz_00"] = c.ask_sz
        out["bid_ct_00"] = c.bid_ct
        out["ask_ct_00"] = c.ask_ct
        return out


@contextlib.contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        yield (bar, bar.add_task("simulate", total=total))


def _truth(
    spec: SimulationSpec,
    day: _Day,
    plans: list[Plan],
    events: list[dict[str, Any]],
) -> dict[str, Any]:
    symbols = day.universe.symbols
    planted: dict[str, list[str]] = {
        k: [] for k in ("gap_up", "gap_down", "volume_spike", *BREAKOUT_KINDS)
    }
    decoys: list[str] = []
    for plan in plans:
        (decoys if plan.kind == "decoy" else planted[plan.kind]).append(symbols[plan.sym])
    session = day.profile.session
    return {
        "spec": spec.as_json(),
        "dataset": spec.dataset,
        "day": spec.day.isoformat(),
        "session": {
            "premarket_open": format_ns(session.premarket_open_ns),
            "open": format_ns(session.open_ns),
            "close": format_ns(session.close_ns),
            "after_hours_close": format_ns(session.after_hours_close_ns),
            "early_close": session.early_close,
        },
        "records": day.sequence,
        "symbols": len(symbols),
        "late_prints": day.late_prints,
        "events": events,
        "planted": {k: sorted(v) for k, v in planted.items()},
        "decoys": sorted(decoys),
        "notes": (
            "events: alerts a faithful engine with default settings "
            "(docs/screener-rules.md) must raise, each at the record given by symbol, "
            "ts_event and price. gap_up/gap_down and volume_spike fire on no other "
            "symbol: only the listed ones gap, only volume_spike symbols spike, and "
            "decoys (priced under $1) gap and spike but the price filter hides them. "
            "Breakout alerts (highs, lows, ranges, VWAP) may also fire elsewhere by chance."
        ),
    }


def simulate_day(spec: SimulationSpec, out: Path, progress: bool = False) -> SimulationResult:
    """Write a synthetic market day: the DBN file at ``out``, its reference CSV and truth.

    ``out`` ends in ``.dbn`` or ``.dbn.zst`` (zstd-compressed); exactly
    ``spec.records`` records are written, sorted by ``ts_recv``.
    """
    spec.validate()
    paths = output_paths(out)
    profile = DayProfile.for_day(spec.day)
    counts = spec.plant_counts()
    universe = build_universe(spec.seed, spec.symbols, counts.decoys)
    plans = plan_day(spec.seed, profile, universe, counts)
    extras = sum(p.extra_records for p in plans)
    record_counts = _record_counts(spec.records - extras, universe, [p.sym for p in plans])
    volume = universe.avg_volume * universe.volume_factor
    base_size = _DEMAND * volume / np.maximum(record_counts * TRADE_SHARE, 1.0)

    planted = build_planted(
        spec.seed, profile, universe, plans, record_counts, base_size, spec.odd_lot_share
    )
    events = planted_events(plans, planted, profile, universe)
    planted = planted.take(np.argsort(planted.ts, kind="stable"))

    is_calm = np.ones(len(universe), dtype=np.bool_)
    is_calm[[p.sym for p in plans]] = False
    calm = np.flatnonzero(is_calm)
    calm_counts = record_counts[calm]
    offsets = np.random.default_rng([spec.seed, 5]).random(len(calm))
    day = _Day(spec, profile, universe)
    header = metadata_header(spec.dataset, universe, spec.day, profile.start_ns, profile.end_ns)
    with (
        _progress(progress, spec.records) as bar,
        DbnSink(paths.dbn, header, paths.compressed, spec.zstd_level) as sink,
    ):
        for index, (m0, m1) in enumerate(_slices(profile, int(calm_counts.sum()))):
            cols = day.calm_slice(index, m0, m1, calm, calm_counts, offsets, base_size)
            lo, hi = np.searchsorted(planted.ts, [profile.minute_ns(m0), profile.minute_ns(m1)])
            if m1 == len(profile.cdf) - 1:
                hi = len(planted)
            cols = Columns.concat([cols, planted.take(np.arange(lo, hi))])
            sink.write(day.to_dbn(cols, index))
            if bar is not None:
                bar[0].update(bar[1], advance=len(cols))
    write_reference(paths.reference, universe)
    write_truth(paths.truth, _truth(spec, day, plans, events))
    return SimulationResult(
        records=day.sequence,
        symbols=len(universe),
        events=len(events),
        dbn_path=paths.dbn,
        reference_path=paths.reference,
        truth_path=paths.truth,
    )
