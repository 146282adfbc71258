"""The trade lifecycle's entry and exit rules, simulated on bars (pure, vectorised).

A paper trade in the alert's direction:

* **entry** at the trigger price moved against us by the slippage
  (``slippage_bps`` basis points: a long pays more, a short receives less);
* **stop** ``stop_pct`` percent against the entry, **target** ``target_pct``
  percent in favour, and an optional **trailing stop** ``trail_pct`` percent
  behind the best price reached since the entry (it only ever tightens the
  stop);
* checked bar by bar on the bars after the entry (for an alert, from the minute
  after the trigger minute): a bar that opens beyond the stop or the target
  fills at its open (a gap through the level), otherwise at the level. When
  one bar reaches both the stop and the target, the stop is taken (a bar does
  not say which came first and the pessimistic answer is the honest one),
  unless it opened beyond the target. The trailing stop of a bar is set by the
  bars before it;
* otherwise **exit at the close** (the close price given).

Every exit fill is also moved against us by the slippage; commission is
``commission_per_share`` dollars per share on entry and on exit. P&L in
dollars for ``quantity`` shares; ``return_pct`` is P&L over the entry value,
as a fraction. :func:`simulate_many` runs many trades at once, one step per
bar offset over the trades still open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradeassist.backtest.bars import BarArrays
from tradeassist.errors import InputError

__all__ = [
    "EXIT_REASONS",
    "ExitReason",
    "SimTrade",
    "TradeColumns",
    "TradeRules",
    "simulate_many",
    "simulate_trade",
    "trade_rules",
]

ExitReason = Literal["stop", "trailing_stop", "target", "close"]
EXIT_REASONS: tuple[ExitReason, ...] = ("close", "stop", "trailing_stop", "target")
_CLOSE, _STOP, _TRAIL, _TARGET = range(4)
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TradeRules:
    """The lifecycle's rules: percents of the entry price, dollars, shares."""

    quantity: int = 100
    stop_pct: float | None = 1.0
    target_pct: float | None = 2.0
    trail_pct: float | None = None
    slippage_bps: float = 2.0
    commission_per_share: float = 0.005

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "quantity": self.quantity,
            "stop_pct": self.stop_pct,
            "target_pct": self.target_pct,
            "trail_pct": self.trail_pct,
            "slippage_bps": self.slippage_bps,
            "commission_per_share": self.commission_per_share,
        }


def trade_rules(
    *,
    quantity: int = 100,
    stop_pct: float = 1.0,
    target_pct: float = 2.0,
    trail_pct: float = 0.0,
    slippage_bps: float = 2.0,
    commission_per_share: float = 0.005,
) -> TradeRules:
    """:class:`TradeRules` from command-line values, where 0 turns a stop, target or
    trailing stop off; ``InputError`` for a negative or non-finite value."""
    values = {
        "--quantity": quantity,
        "--stop-pct": stop_pct,
        "--target-pct": target_pct,
        "--trailing-pct": trail_pct,
        "--slippage-bps": slippage_bps,
        "--commission": commission_per_share,
    }
    for name, value in values.items():
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{name} must be a finite number, 0 or more, not {value}")
    if quantity < 1:
        raise InputError(f"--quantity must be at least 1 share, not {quantity}")
    if stop_pct >= 100 or trail_pct >= 100:
        raise InputError("--stop-pct and --trailing-pct must be under 100 (percent)")
    return TradeRules(
        quantity=quantity,
        stop_pct=stop_pct or None,
        target_pct=target_pct or None,
        trail_pct=trail_pct or None,
        slippage_bps=slippage_bps,
        commission_per_share=commission_per_share,
    )


@dataclass(frozen=True, slots=True)
class SimTrade:
    """One simulated trade: prices in dollars, times UTC ns, P&L in dollars."""

    direction: int
    quantity: int
    entry_price: float
    entry_ns: int
    exit_price: float
    exit_ns: int
    exit_reason: ExitReason
    pnl: float
    return_pct: float


@dataclass(frozen=True, slots=True)
class TradeColumns:
    """Many simulated trades; ``reason`` indexes :data:`EXIT_REASONS`."""

    entry_price: F64
    exit_price: F64
    exit_ns: I64
    reason: npt.NDArray[np.int8]
    pnl: F64
    return_pct: F64
    quantity: int


def simulate_many(
    *,
    direction: npt.NDArray[np.int64],
    trigger_price: F64,
    first: I64,
    stop_at: I64,
    bars: BarArrays,
    close_price: F64,
    close_ns: I64,
    rules: TradeRules,
) -> TradeColumns:
    """Trade ``i`` walks ``bars`` ``first[i]`` to ``stop_at[i]`` (exclusive), then exits at
    ``close_price[i]`` at ``close_ns[i]`` if still open (see the module docstring)."""
    d = np.where(direction >= 0, 1.0, -1.0)
    slip = rules.slippage_bps / 10_000.0
    entry = trigger_price * (1.0 + d * slip)
    scale = entry / 100.0  # one percent of the entry, in dollars
    # In "favourable" units (price times d) every rule reads as for a long.
    fixed = (
        np.full_like(entry, -np.inf)
        if rules.stop_pct is None
        else entry * d - scale * rules.stop_pct
    )
    target = (
        np.full_like(entry, np.inf)
        if rules.target_pct is None
        else entry * d + scale * rules.target_pct
    )
    best = entry * d
    exit_fav = close_price * d
    exit_ns = close_ns.astype(np.int64, copy=True)
    reason = np.zeros(entry.shape[0], np.int8)
    active = np.flatnonzero(first < stop_at)
    step = 0
    while active.size:
        idx = first[active] + step
        inside = idx < stop_at[active]
        active, idx = active[inside], idx[inside]
        if not active.size:
            break
        da = d[active]
        opened = bars.open[idx] * da
        favour = np.where(da > 0, bars.high[idx], bars.low[idx]) * da
        adverse = np.where(da > 0, bars.low[idx], bars.high[idx]) * da
        if rules.trail_pct is None:
            trail = np.full(active.size, -np.inf)
        else:
            trail = best[active] - np.abs(best[active]) * rules.trail_pct / 100.0
        stop = np.maximum(fixed[active], trail)
        tgt = target[active]
        s_hit = adverse <= stop
        t_hit = favour >= tgt
        take_target = t_hit & (~s_hit | (opened >= tgt))
        take_stop = s_hit & ~take_target
        done = take_stop | take_target
        exit_fav[active] = np.where(
            take_stop,
            np.minimum(opened, stop),
            np.where(take_target, np.maximum(opened, tgt), exit_fav[active]),
        )
        reason[active] = np.where(
            take_stop,
            np.where(trail > fixed[active], _TRAIL, _STOP),
            np.where(take_target, _TARGET, reason[active]),
        )
        exit_ns[active] = np.where(done, bars.start[idx], exit_ns[active])
        best[active] = np.maximum(best[active], favour)
        active = active[~done]
        step += 1
    exit_price = exit_fav * d * (1.0 - d * slip)
    q = float(rules.quantity)
    pnl = d * (exit_price - entry) * q - 2.0 * rules.commission_per_share * q
    return TradeColumns(entry, exit_price, exit_ns, reason, pnl, pnl / (entry * q), rules.quantity)


def simulate_trade(
    *,
    direction: int,
    trigger_price: float,
    entry_ns: int,
    path: BarArrays,
    close_price: float,
    close_ns: int,
    rules: TradeRules,
) -> SimTrade:
    """One trade: enter at ``trigger_price`` (+ slippage), walk every bar of ``path``,
    exit at ``close_price`` at ``close_ns`` if still open."""
    cols = simulate_many(
        direction=np.array([direction], np.int64),
        trigger_price=np.array([trigger_price], np.float64),
        first=np.array([0], np.int64),
        stop_at=np.array([len(path)], np.int64),
        bars=path,
        close_price=np.array([close_price], np.float64),
        close_ns=np.array([close_ns], np.int64),
        rules=rules,
    )
    return SimTrade(
        direction=1 if direction >= 0 else -1,
        quantity=rules.quantity,
        entry_price=float(cols.entry_price[0]),
        entry_ns=entry_ns,
        exit_price=float(cols.exit_price[0]),
        exit_ns=int(cols.exit_ns[0]),
        exit_reason=EXIT_REASONS[int(cols.reason[0])],
        pnl=float(cols.pnl[0]),
        return_pct=float(cols.return_pct[0]),
    )
