"""A small, literal reference of the detector rules in docs/screener-rules.md.

It reads one symbol's records in file order and says which records trigger,
so the simulator can state exactly where its planted events fire (and tests
can check calm symbols stay silent). It favours plain code over speed; the
real engine lives in ``tradeassist.screener``. Prices are fixed-point 1e-9
dollars, sizes shares, times UTC ns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.simulator.profile import MINUTE_NS, NS, DayProfile
from tradeassist.market_calendar import EASTERN

__all__ = [
    "Hit",
    "SymbolDay",
    "et_minute",
    "gap_hits",
    "high_low_hits",
    "opening_range_hits",
    "premarket_high_hits",
    "volume_spike_hits",
    "vwap_hits",
]

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

UNDEF_PRICE = 2**63 - 1
MIN_TRADE_SIZE = 100
MIN_PRICE = 1_000_000_000  # $1.00
LATE_NS = 10 * NS
COOLDOWN_NS = 300 * NS
GAP_LEVELS_PCT = (3, 5, 10, 20)


@dataclass(frozen=True, slots=True)
class SymbolDay:
    """One symbol's records of the day, in file (``ts_recv``) order."""

    ts_event: I64
    ts_recv: I64
    price: I64
    size: I64
    is_trade: B

    @property
    def trades(self) -> B:
        return np.asarray(self.is_trade & (self.price != UNDEF_PRICE))

    @property
    def prints(self) -> B:
        """Round lots on time: the only trades that set highs and lows or trigger."""
        on_time = (self.ts_recv - self.ts_event) <= LATE_NS
        return np.asarray(self.trades & (self.size >= MIN_TRADE_SIZE) & on_time)


@dataclass(frozen=True, slots=True)
class Hit:
    """A triggering record: its index in the symbol's records, alert type and level."""

    index: int
    alert_type: str
    level: str


def et_minute(ts_ns: int) -> str:
    """``HH:MM`` in US/Eastern of a UTC ns timestamp (the time-bucket level)."""
    return dt.datetime.fromtimestamp(ts_ns // NS, tz=EASTERN).strftime("%H:%M")


def _in(day: SymbolDay, start: int, end: int) -> B:
    return np.asarray((day.ts_event >= start) & (day.ts_event < end))


def gap_hits(
    day: SymbolDay, profile: DayProfile, prev_close: int, min_price: int = MIN_PRICE
) -> list[Hit]:
    """Prints from 04:00 ET to the close at or beyond +/-3, 5, 10, 20% of ``prev_close``."""
    ok = day.prints & _in(day, profile.start_ns, profile.close_ns) & (day.price >= min_price)
    hits: list[Hit] = []
    for name, sign in (("gap_up", 1), ("gap_down", -1)):
        first: dict[int, int] = {}
        for level in GAP_LEVELS_PCT:
            # Exact integer test of price >= close * (1 + level/100) (or <= for down).
            bound = prev_close * (100 + sign * level)
            beyond = day.price * 100 >= bound if sign > 0 else day.price * 100 <= bound
            idx = np.flatnonzero(ok & beyond)
            if len(idx):
                first[int(idx[0])] = level  # levels ascend, so the highest one wins
        hits += [Hit(i, name, str(lv)) for i, lv in sorted(first.items())]
    return sorted(hits, key=lambda h: h.index)


def _cooled(day: SymbolDay, candidates: I64, name: str, level_of_minute: bool) -> list[Hit]:
    hits: list[Hit] = []
    last = -(2**62)
    for i in candidates.tolist():
        t = int(day.ts_event[i])
        if t - last >= COOLDOWN_NS:
            hits.append(Hit(i, name, et_minute(t) if level_of_minute else "1"))
            last = t
    return hits


def volume_spike_hits(
    day: SymbolDay,
    profile: DayProfile,
    avg_volume: float,
    multiple: float = 5.0,
    min_shares: int = 10_000,
    min_price: int = MIN_PRICE,
) -> list[Hit]:
    """Trades whose trailing 60 one-second buckets hold >= 5x expected and >= 10,000 shares."""
    trade_idx = np.flatnonzero(day.trades & _in(day, profile.start_ns, profile.end_ns))
    if len(trade_idx) == 0:
        return []
    ts = day.ts_event[trade_idx]
    sec = ts // NS
    size = day.size[trade_idx]
    if np.all(np.diff(ts) >= 0):
        csum = np.cumsum(size)
        first = np.searchsorted(sec, sec - 59, side="left")
        window = csum - np.concatenate([[0], csum])[first]
    else:  # late prints: count each trade seen so far in its own second
        buckets: dict[int, int] = {}
        window = np.zeros(len(sec), dtype=np.int64)
        for k, (s, v) in enumerate(zip(sec.tolist(), size.tolist(), strict=True)):
            buckets[s] = buckets.get(s, 0) + v
            window[k] = sum(buckets.get(x, 0) for x in range(s - 59, s + 1))
    expected = avg_volume * profile.curve[profile.minute_of(ts)]
    fire = (window >= multiple * expected) & (window >= min_shares)
    fire &= day.price[trade_idx] >= min_price
    return _cooled(day, trade_idx[fire], "volume_spike", True)


def high_low_hits(
    day: SymbolDay, profile: DayProfile, high: bool, delay_minutes: int = 15
) -> list[Hit]:
    """Regular-session prints beyond the session high (low) so far, from open + 15 min."""
    idx = np.flatnonzero(day.prints & _in(day, profile.open_ns, profile.close_ns))
    if len(idx) < 2:
        return []
    px = day.price[idx] if high else -day.price[idx]
    before = np.maximum.accumulate(px)[:-1]
    beyond = np.concatenate([[False], px[1:] > before])
    late_enough = day.ts_event[idx] >= profile.open_ns + delay_minutes * MINUTE_NS
    fire = beyond & late_enough & (day.price[idx] >= MIN_PRICE)
    return _cooled(day, idx[fire], "new_high_of_day" if high else "new_low_of_day", True)


def _first_above(day: SymbolDay, idx: I64, level: int, name: str) -> list[Hit]:
    above = idx[(day.price[idx] > level) & (day.price[idx] >= MIN_PRICE)]
    return [Hit(int(above[0]), name, "1")] if len(above) else []


def opening_range_hits(day: SymbolDay, profile: DayProfile, minutes: int = 5) -> list[Hit]:
    """The first print from open + 5 min above the high of the prints before it."""
    split = profile.open_ns + minutes * MINUTE_NS
    rng_idx = np.flatnonzero(day.prints & _in(day, profile.open_ns, split))
    if len(rng_idx) == 0:
        return []
    after = np.flatnonzero(day.prints & _in(day, split, profile.close_ns))
    return _first_above(day, after, int(day.price[rng_idx].max()), "opening_range_breakout")


def premarket_high_hits(day: SymbolDay, profile: DayProfile) -> list[Hit]:
    """The first regular-session print above the highest pre-market print."""
    pre = np.flatnonzero(day.prints & _in(day, profile.start_ns, profile.open_ns))
    if len(pre) == 0:
        return []
    regular = np.flatnonzero(day.prints & _in(day, profile.open_ns, profile.close_ns))
    return _first_above(day, regular, int(day.price[pre].max()), "premarket_high_break")


def vwap_hits(
    day: SymbolDay, profile: DayProfile, reclaim: bool, min_minutes: int = 10
) -> list[Hit]:
    """Prints crossing the session VWAP after every print for 10+ minutes sat on the other side."""
    session = _in(day, profile.open_ns, profile.close_ns)
    on_time = (day.ts_recv - day.ts_event) <= LATE_NS
    counted = np.flatnonzero(day.trades & session & on_time)
    prints = day.prints
    name = "vwap_reclaim" if reclaim else "vwap_loss"
    hits: list[Hit] = []
    pv = 0
    vol = 0
    streak_start: int | None = None
    last_alert = -(2**62)
    for i in counted.tolist():
        price = int(day.price[i])
        t = int(day.ts_event[i])
        if prints[i] and vol > 0:
            # Compare price with pv / vol exactly: price * vol against pv.
            lhs, rhs = price * vol, pv
            behind = lhs < rhs if reclaim else lhs > rhs
            crossed = lhs > rhs if reclaim else lhs < rhs
            if behind:
                streak_start = t if streak_start is None else streak_start
            elif crossed:
                long_enough = (
                    streak_start is not None and t - streak_start >= min_minutes * MINUTE_NS
                )
                if long_enough and t - last_alert >= COOLDOWN_NS and price >= MIN_PRICE:
                    hits.append(Hit(i, name, et_minute(t)))
                    last_alert = t
                streak_start = None
            else:
                streak_start = None
        pv += price * int(day.size[i])
        vol += int(day.size[i])
    return hits
