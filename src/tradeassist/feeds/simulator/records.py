"""Turn record times into MBP-1 fields: quotes, trades at the quote, sizes within budget.

Input records are sorted by (symbol, time). A quote record draws a new top of
book from the symbol's price path; a trade prints at the ask (buyer), the bid
(seller) or inside (no aggressor) of the latest quote, which its levels show.
Trade sizes target the symbol's average daily volume, then each (symbol,
10-second bucket) is scaled down so that no trailing 60 s window of a calm symbol holds
more than its calm cap (``DayProfile.calm_cap``), far below the volume spike
threshold.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.simulator.columns import (
    ACTION_TRADE,
    WINDOW_BUCKETS,
    Carry,
    Columns,
    PathInput,
)
from tradeassist.feeds.simulator.prices import mid_fraction, oscillation, quote_ticks
from tradeassist.feeds.simulator.profile import MINUTE_NS, NS, DayProfile
from tradeassist.feeds.simulator.universe import Universe

__all__ = ["TRADE_SHARE", "build_records"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

TRADE_SHARE = 0.3  # of records; the rest are quote updates
BUCKET_NS = 10 * NS  # volume is budgeted per 10 s buckets
ROUND_LOT = 100
ACTION_ADD, ACTION_CANCEL, ACTION_MODIFY = (ord(c) for c in "ACM")
SIDE_ASK, SIDE_BID, SIDE_NONE = (ord(c) for c in "ABN")


def _group_starts(sym: I64) -> B:
    starts = np.ones(len(sym), dtype=np.bool_)
    starts[1:] = sym[1:] != sym[:-1]
    return starts


def _allocate_buckets(
    profile: DayProfile, avg: F64, sym: I64, bucket: I64, demand: F64, carry: Carry
) -> F64:
    """Shares granted to each (symbol, 10 s bucket) group, sorted by (symbol, bucket).

    The detector's window (the trade's second and the 59 before) touches at most
    ``WINDOW_BUCKETS`` buckets, so a bucket gets the cap less what the symbol
    traded in the buckets before it. The cap is the smallest of the minutes whose
    windows can include the bucket, so a falling cap (16:00, say) is respected.
    """
    per_minute = MINUTE_NS // BUCKET_NS
    minute = bucket // per_minute
    last_minute = len(profile.curve) - 1
    later = np.minimum((bucket + WINDOW_BUCKETS - 1) // per_minute, last_minute)
    cap = np.minimum(profile.calm_cap(avg, minute), profile.calm_cap(avg, later))

    granted = np.empty_like(demand)
    order = np.argsort(bucket, kind="stable")
    cuts = np.flatnonzero(np.diff(bucket[order])) + 1
    slots = WINDOW_BUCKETS - 1
    for chunk in np.split(order, cuts):
        s = sym[chunk]
        b = int(bucket[chunk[0]])
        recent = carry.ring_bucket[s] >= b - slots
        before = (carry.ring_volume[s] * recent).sum(axis=1)
        g = np.minimum(demand[chunk], np.maximum(cap[chunk] - before, 0.0))
        granted[chunk] = g
        carry.ring_volume[s, b % slots] = g
        carry.ring_bucket[s, b % slots] = b
    return granted


def _trade_sizes(
    rng: np.random.Generator,
    profile: DayProfile,
    universe: Universe,
    base_size: F64,
    sym: I64,
    ts: I64,
    odd_lot_share: float,
    must_print: B,
    carry: Carry,
) -> I64:
    """Sizes (shares) of trades sorted by (symbol, time), scaled into the calm volume cap."""
    n = len(sym)
    raw = base_size[sym] * rng.lognormal(-0.18, 0.6, size=n)  # mean 1
    size = np.maximum(np.rint(raw / ROUND_LOT), 1) * ROUND_LOT
    odd = (rng.random(n) < odd_lot_share) & ~must_print
    size = np.where(odd, rng.integers(1, ROUND_LOT, size=n), size).astype(np.float64)
    if n == 0:
        return size.astype(np.int64)
    bucket = (ts - profile.start_ns) // BUCKET_NS
    new_group = np.ones(n, dtype=np.bool_)
    new_group[1:] = (sym[1:] != sym[:-1]) | (bucket[1:] != bucket[:-1])
    starts = np.flatnonzero(new_group)
    demand = np.add.reduceat(size, starts)
    g_sym = sym[starts]
    avg = universe.avg_volume[g_sym].astype(np.float64)
    granted = _allocate_buckets(profile, avg, g_sym, bucket[starts], demand, carry)
    factor = (granted / demand)[np.cumsum(new_group) - 1]
    scaled = size * factor
    lots = np.floor(scaled / ROUND_LOT) * ROUND_LOT
    # A round lot squeezed under 100 shares becomes an odd lot, never a bigger print.
    out = np.where(odd | (lots < ROUND_LOT), np.maximum(np.floor(scaled), 1), lots)
    out = np.where(must_print, np.maximum(lots, ROUND_LOT), out)
    sizes: I64 = out.astype(np.int64)
    return sizes


def build_records(
    rng: np.random.Generator,
    profile: DayProfile,
    universe: Universe,
    base_size: F64,
    sym: I64,
    ts: I64,
    is_trade: B,
    path: PathInput,
    carry: Carry,
    odd_lot_share: float,
    late_share: float = 0.0,
) -> Columns:
    """MBP-1 fields for records sorted by (symbol, time); updates ``carry`` in place."""
    n = len(sym)
    idx = np.arange(n, dtype=np.int64)
    starts = _group_starts(sym)
    # A symbol's first record of the day is a quote, so every trade has a quote to show.
    is_trade = is_trade & ~(starts & ~carry.has_quote[sym])

    wave = oscillation(universe, sym, ts, profile.start_ns)
    mid = mid_fraction(rng, wave, path.center, path.scale)
    bid_t, ask_t = quote_ticks(universe, sym, mid, path.lo, path.hi, rng.random(n) < 0.15)
    tick = universe.tick[sym]
    q_bid, q_ask = bid_t * tick, ask_t * tick
    q_bid_sz = ROUND_LOT * rng.integers(1, 40, size=n)
    q_ask_sz = ROUND_LOT * rng.integers(1, 40, size=n)
    q_bid_ct = rng.integers(1, 12, size=n)
    q_ask_ct = rng.integers(1, 12, size=n)

    # Forward-fill the latest quote onto trades, within each symbol (or from the carry).
    src = np.maximum.accumulate(np.where(~is_trade | starts, idx, -1))
    from_carry = is_trade[src]

    def ffill(quote: I64, carried: I64) -> I64:
        return np.where(from_carry, carried[sym], quote[src])

    bid = np.where(is_trade, ffill(q_bid, carry.bid), q_bid)
    ask = np.where(is_trade, ffill(q_ask, carry.ask), q_ask)
    bid_sz = np.where(is_trade, ffill(q_bid_sz, carry.bid_sz), q_bid_sz)
    ask_sz = np.where(is_trade, ffill(q_ask_sz, carry.ask_sz), q_ask_sz)
    bid_ct = np.where(is_trade, ffill(q_bid_ct, carry.bid_ct), q_bid_ct)
    ask_ct = np.where(is_trade, ffill(q_ask_ct, carry.ask_ct), q_ask_ct)

    # Trades: aggressor side and price at or inside the quote.
    t_side = rng.choice(
        np.array([SIDE_ASK, SIDE_BID, SIDE_NONE], dtype=np.uint8), size=n, p=[0.45, 0.45, 0.10]
    )
    inside = bid + (ask - bid) // tick // 2 * tick
    t_price = np.where(t_side == SIDE_BID, ask, np.where(t_side == SIDE_ASK, bid, inside))
    # Quotes: which side changed and how.
    q_side = np.where(rng.random(n) < 0.5, SIDE_BID, SIDE_ASK).astype(np.uint8)
    q_action = rng.choice(
        np.array([ACTION_ADD, ACTION_CANCEL, ACTION_MODIFY], dtype=np.uint8),
        size=n,
        p=[0.5, 0.15, 0.35],
    )
    q_price = np.where(q_side == SIDE_BID, q_bid, q_ask)
    q_size = ROUND_LOT * rng.integers(1, 20, size=n)

    fixed = path.fixed_size if path.fixed_size is not None else np.zeros(n, dtype=np.int64)
    must = path.must_print if path.must_print is not None else np.zeros(n, dtype=np.bool_)
    size = q_size.copy()
    auto = is_trade & (fixed <= 0)
    t_idx = np.flatnonzero(auto)
    size[t_idx] = _trade_sizes(
        rng, profile, universe, base_size, sym[t_idx], ts[t_idx], odd_lot_share, must[t_idx], carry
    )
    size = np.where(is_trade & (fixed > 0), fixed, size)

    late = np.zeros(n, dtype=np.bool_)
    if late_share > 0:
        late = auto & (rng.random(n) < late_share) & (ts >= profile.start_ns + MINUTE_NS)
        # One round lot: a late print lands in an earlier window whose volume is already
        # granted, and 100 shares fit in the margin between the calm cap and 2x expected.
        size = np.where(late, ROUND_LOT, size)

    _update_carry(
        carry, sym, starts, src, from_carry, q_bid, q_ask, q_bid_sz, q_ask_sz, q_bid_ct, q_ask_ct
    )
    return Columns(
        ts=ts,
        sym=sym,
        late=late,
        price=np.where(is_trade, t_price, q_price),
        size=size,
        action=np.where(is_trade, ACTION_TRADE, q_action).astype(np.uint8),
        side=np.where(is_trade, t_side, q_side).astype(np.uint8),
        bid=bid,
        ask=ask,
        bid_sz=bid_sz,
        ask_sz=ask_sz,
        bid_ct=bid_ct,
        ask_ct=ask_ct,
    )


def _update_carry(
    carry: Carry,
    sym: I64,
    starts: B,
    src: I64,
    from_carry: B,
    *quotes: I64,
) -> None:
    """Remember each symbol's last quote of this batch for the next one."""
    if len(sym) == 0:
        return
    ends = np.append(np.flatnonzero(starts)[1:] - 1, len(sym) - 1)
    last = src[ends]
    fresh = ~from_carry[ends]
    target = sym[ends][fresh]
    last = last[fresh]
    for name, values in zip(
        ("bid", "ask", "bid_sz", "ask_sz", "bid_ct", "ask_ct"), quotes, strict=True
    ):
        getattr(carry, name)[target] = values[last]
    carry.has_quote[target] = True
