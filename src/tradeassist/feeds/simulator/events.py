"""Planted patterns: price bands over time, forced records and volume bursts per symbol.

Each design keeps its symbol inside bands chosen so the pattern fires exactly
once where it is planted under docs/screener-rules.md, with margins of at
least 0.3% from every level, so that any faithful engine agrees on the
triggering record. Gap and spike symbols make no breakout on purpose (one may
happen by chance); breakout symbols never come within 0.6% of a gap level and
trade within the calm volume budget, so they raise no gap or volume alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tradeassist.feeds.simulator.prices import Band
from tradeassist.feeds.simulator.profile import MINUTE_NS, NS, DayProfile
from tradeassist.feeds.simulator.universe import Universe

__all__ = [
    "BREAKOUT_KINDS",
    "GAP_LEVELS",
    "PLANTED_CALM",
    "Expectation",
    "Plan",
    "design_breakout",
    "design_decoy",
    "design_gap",
    "design_spike",
]

GAP_LEVELS = (0.03, 0.05, 0.10, 0.20)
BREAKOUT_KINDS = (
    "opening_range_breakout",
    "premarket_high_break",
    "new_high_of_day",
    "new_low_of_day",
    "vwap_reclaim",
    "vwap_loss",
)
# A planted symbol away from its pattern: quieter than a calm one, within +/-1.5%.
PLANTED_CALM = Band(center=0.0, lo=-0.015, hi=0.015, wiggle=0.006)
_UP_MOVES: tuple[tuple[float, ...], ...] = ((0.04,), (0.07,), (0.12,), (0.036, 0.108), (0.23,))
_DOWN_MOVES: tuple[tuple[float, ...], ...] = (
    (-0.04,),
    (-0.065,),
    (-0.12,),
    (-0.036, -0.07),
    (-0.22,),
)
_BREAKOUT_TEXT = {
    "opening_range_breakout": "first print above the 5-minute opening range",
    "premarket_high_break": "first regular-session print above the pre-market high",
    "new_high_of_day": "print above the session high after a quiet stretch below it",
    "new_low_of_day": "print below the session low after a quiet stretch above it",
    "vwap_reclaim": "print back above the session VWAP after 30+ minutes below it",
    "vwap_loss": "print back below the session VWAP after 30+ minutes above it",
}
_BURST_TRADES = 10
_BURST_TRIGGER = 4  # 0-based index of the burst trade that crosses the threshold


@dataclass(frozen=True, slots=True)
class Expectation:
    """An alert a design must raise: its type, the earliest moment (ns), the level if fixed."""

    alert_type: str
    not_before_ns: int
    level: str | None
    description: str


@dataclass(slots=True)
class Plan:
    """How one planted symbol's day is shaped.

    ``segments`` are (start ns, band) in time order, the first at 04:00 ET;
    ``forced`` are extra records (ns, is_trade), trades always round lots;
    ``burst`` are trades of fixed size (ns, shares); random trades inside ``quiet``
    (ns, ns) become quotes, so a burst's window holds only the burst.
    """

    sym: int
    kind: str
    segments: list[tuple[int, Band]]
    forced: list[tuple[int, bool]] = field(default_factory=list)
    burst: list[tuple[int, int]] = field(default_factory=list)
    quiet: tuple[int, int] | None = None
    expect: list[Expectation] = field(default_factory=list)

    @property
    def extra_records(self) -> int:
        return len(self.forced) + len(self.burst)


def _band(lo: float, hi: float) -> Band:
    return Band(center=(lo + hi) / 2, lo=lo, hi=hi, wiggle=(hi - lo) * 0.3)


def _mirror(band: Band) -> Band:
    return Band(center=-band.center, lo=-band.hi, hi=-band.lo, wiggle=band.wiggle)


def _gap_band(move: float) -> tuple[Band, float]:
    """The band after a gap of ``move`` and the level it reaches (both as fractions)."""
    size = abs(move)
    level = max(lv for lv in GAP_LEVELS if lv <= size)
    above = [lv for lv in GAP_LEVELS if lv > level]
    lo = max(level + 0.003, size - 0.012)
    hi = min(above[0] - 0.005, size + 0.012) if above else size + 0.012
    band = _band(lo, hi)
    return (band if move > 0 else _mirror(band)), level


def _jitter_ns(rng: np.random.Generator, lo_s: float, hi_s: float) -> int:
    return int(rng.uniform(lo_s, hi_s) * NS)


def _minute(profile: DayProfile, ts_ns: int) -> int:
    return (ts_ns - profile.start_ns) // MINUTE_NS


def _pct(move: float) -> str:
    return f"{move * 100:+.1f}%"


def design_gap(rng: np.random.Generator, profile: DayProfile, sym: int, nth: int, up: bool) -> Plan:
    """A gap (up or down) in pre-market or at the open; every fourth one escalates later."""
    moves = (_UP_MOVES if up else _DOWN_MOVES)[nth % len(_UP_MOVES)]
    kind = "gap_up" if up else "gap_down"
    at_open = nth % 2 == 1
    first = profile.open_ns if at_open else profile.minute_ns(rng.uniform(150, 315))
    plan = Plan(sym, kind, [(profile.start_ns, PLANTED_CALM)])
    moments = [first]
    if len(moves) > 1:
        moments.append(profile.open_ns + int(rng.uniform(30, 120) * MINUTE_NS))
    for when, move in zip(moments, moves, strict=True):
        band, level = _gap_band(move)
        plan.segments.append((when, band))
        plan.forced += [(when, False), (when + _jitter_ns(rng, 0.2, 4.0), True)]
        where = "at the open" if when == profile.open_ns else "in pre-market"
        if when > profile.open_ns:
            where = "in the regular session"
        plan.expect.append(
            Expectation(
                kind,
                when,
                f"{level * 100:g}",
                f"gap {_pct(move)} {where}: first print beyond the {level * 100:g}% level",
            )
        )
    return plan


def _burst(
    rng: np.random.Generator, profile: DayProfile, universe: Universe, sym: int, minute: int
) -> tuple[list[tuple[int, int]], tuple[int, int], float]:
    """Burst trades in one minute crossing the spike threshold at trade ``_BURST_TRIGGER``.

    Before it the window holds at most 60% of the threshold, with it at least 135%,
    and the whole burst is 12x the minute's expected volume (at least 24,000 shares).
    """
    expected = float(universe.avg_volume[sym]) * float(profile.curve[minute])
    threshold = max(5.0 * expected, 10_000.0)
    pre = max(100, int(0.15 * threshold) // 100 * 100)
    trigger = int(np.ceil((1.35 * threshold - _BURST_TRIGGER * pre) / 100)) * 100
    rest_total = 1.2 * max(10.0 * expected, 20_000.0) - _BURST_TRIGGER * pre - trigger
    after = _BURST_TRADES - _BURST_TRIGGER - 1
    rest = max(100, int(np.ceil(rest_total / after / 100)) * 100)
    sizes = [pre] * _BURST_TRIGGER + [trigger] + [rest] * after
    offsets = rng.uniform(3.0, 12.0) + np.cumsum(rng.uniform(1.0, 4.0, size=_BURST_TRADES)) - 1.0
    start = profile.minute_ns(minute)
    times = [start + int(o * NS) for o in offsets]
    quiet = (times[0] - 61 * NS, times[-1] + 1)
    return list(zip(times, sizes, strict=True)), quiet, expected


def _spike_minute(rng: np.random.Generator, profile: DayProfile) -> int:
    first = _minute(profile, profile.open_ns) + 90
    last = _minute(profile, profile.close_ns) - 45
    return int(rng.integers(first, last))


def design_spike(
    rng: np.random.Generator, profile: DayProfile, universe: Universe, sym: int
) -> Plan:
    """A one-minute volume burst in a calm midday minute, price unchanged."""
    minute = _spike_minute(rng, profile)
    burst, quiet, expected = _burst(rng, profile, universe, sym, minute)
    total = sum(size for _, size in burst)
    plan = Plan(sym, "volume_spike", [(profile.start_ns, PLANTED_CALM)], burst=burst, quiet=quiet)
    plan.expect.append(
        Expectation(
            "volume_spike",
            burst[0][0],
            None,
            f"burst of {total:,} shares in one minute, {total / expected:.0f}x the "
            f"{expected:,.0f} expected",
        )
    )
    return plan


def design_decoy(
    rng: np.random.Generator, profile: DayProfile, universe: Universe, sym: int, nth: int
) -> Plan:
    """A sub-dollar symbol that gaps 8% and bursts: the $1.00 price filter must hide both."""
    move = 0.08 if nth % 2 == 0 else -0.08
    when = profile.minute_ns(rng.uniform(150, 315))
    band, _ = _gap_band(move)
    burst, quiet, _ = _burst(rng, profile, universe, sym, _spike_minute(rng, profile))
    return Plan(
        sym,
        "decoy",
        [(profile.start_ns, PLANTED_CALM), (when, band)],
        forced=[(when, False), (when + _jitter_ns(rng, 0.2, 4.0), True)],
        burst=burst,
        quiet=quiet,
    )


def design_breakout(rng: np.random.Generator, profile: DayProfile, sym: int, kind: str) -> Plan:
    """One of ``BREAKOUT_KINDS``: a range, then a clean break at a chosen moment."""
    o = profile.open_ns
    m = MINUTE_NS
    mirror = kind in ("new_low_of_day", "vwap_loss")
    base = {"new_low_of_day": "new_high_of_day", "vwap_loss": "vwap_reclaim"}.get(kind, kind)
    calm = [(profile.start_ns, PLANTED_CALM)]
    if base == "opening_range_breakout":
        brk = o + int(rng.uniform(8, 45) * m)
        steps = [
            (o, _band(0.0, 0.006)),
            (o + 5 * m, _band(-0.012, -0.001)),
            (brk, _band(0.010, 0.016)),
            (brk + 30 * m, PLANTED_CALM),
        ]
        prints = [o + int(rng.uniform(5, 60) * NS), o + int(rng.uniform(120, 280) * NS)]
    elif base == "premarket_high_break":
        brk = o + int(rng.uniform(10, 60) * m)
        calm = [(profile.start_ns, _band(-0.012, 0.009))]
        steps = [
            (o - 40 * m, _band(0.005, 0.009)),
            (o, _band(-0.012, 0.004)),
            (brk, _band(0.011, 0.017)),
            (brk + 30 * m, PLANTED_CALM),
        ]
        prints = [o - 30 * m, o - 10 * m]
    elif base == "new_high_of_day":
        room = (profile.close_ns - o) // m - 40
        brk = o + int(rng.uniform(35, min(150, room)) * m)
        steps = [
            (o, _band(0.003, 0.008)),
            (o + 15 * m, _band(-0.012, 0.002)),
            (brk, _band(0.012, 0.018)),
            (brk + 20 * m, PLANTED_CALM),
        ]
        prints = [o + int(rng.uniform(30, 90) * NS), o + int(rng.uniform(300, 800) * NS)]
    else:  # vwap_reclaim
        brk = o + int(rng.uniform(50, 62) * m)
        steps = [
            (o, _band(0.004, 0.010)),
            (o + 20 * m, _band(-0.018, -0.010)),
            (brk, _band(0.014, 0.020)),
            (brk + 20 * m, PLANTED_CALM),
        ]
        prints = [o + 10 * NS, o + 5 * m, o + 12 * m, o + 22 * m, o + 35 * m]
    if mirror:
        steps = [(t, _mirror(b)) for t, b in steps]
    plan = Plan(sym, kind, calm + steps)
    plan.forced = [(t, False) for t, _ in steps]
    plan.forced += [(t + _jitter_ns(rng, 0.1, 2.0), True) for t in prints]
    plan.forced.append((brk + _jitter_ns(rng, 0.2, 4.0), True))
    once = kind in ("opening_range_breakout", "premarket_high_break")
    plan.expect.append(Expectation(kind, brk, "1" if once else None, _BREAKOUT_TEXT[kind]))
    return plan
