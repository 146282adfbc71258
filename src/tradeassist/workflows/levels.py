"""The exit levels of an open position and which price crossings matter.

Shared by the workflow (which decides) and the :class:`PriceWatcher` (which
decides only when to tell the workflow), so both apply the same rules. Pure
and deterministic: prices in dollars, percentages 0-100.

A trailing stop follows the best price since entry (``extreme``: the highest
for a long, the lowest for a short). The watcher sees every tick but signals
the workflow only when the price reaches the effective stop or the target,
or moves a step (:data:`REPORT_STEP` of the trailing distance) past the
extreme the workflow knows, so the workflow's history grows with the number
of meaningful moves, never with the number of ticks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = [
    "REPORT_STEP",
    "Levels",
    "effective_stop",
    "exit_reason",
    "from_stored",
    "observe",
    "report_threshold",
    "trailing_level",
]

#: How far past the known extreme (a fraction of the trailing distance) a
#: price must go before the watcher reports it, so the persisted trailing stop
#: lags the true one by at most this much if the watcher restarts.
REPORT_STEP = 0.25


@dataclass(frozen=True, slots=True)
class Levels:
    """What can close an open position. ``extreme`` is the best price since entry."""

    side: str
    extreme: float
    stop_loss: float | None = None
    take_profit: float | None = None
    trailing_stop_pct: float | None = None


def _better(side: str, a: float, b: float) -> float:
    return max(a, b) if side == "long" else min(a, b)


def trailing_level(levels: Levels) -> float | None:
    """The trailing stop's price now, or None without a trailing stop."""
    if levels.trailing_stop_pct is None:
        return None
    fraction = levels.trailing_stop_pct / 100.0
    sign = -1.0 if levels.side == "long" else 1.0
    return levels.extreme * (1.0 + sign * fraction)


def effective_stop(levels: Levels) -> float | None:
    """The stop that fires first: the tighter of the fixed and the trailing stop."""
    candidates = [s for s in (levels.stop_loss, trailing_level(levels)) if s is not None]
    if not candidates:
        return None
    return max(candidates) if levels.side == "long" else min(candidates)


def observe(levels: Levels, price: float, best: float | None = None) -> Levels:
    """``levels`` after seeing ``price`` (and ``best``, the best price seen since)."""
    extreme = _better(levels.side, levels.extreme, price)
    if best is not None:
        extreme = _better(levels.side, extreme, best)
    return levels if extreme == levels.extreme else replace(levels, extreme=extreme)


def exit_reason(levels: Levels, price: float) -> str | None:
    """``"stop_loss"``, ``"trailing_stop"`` or ``"take_profit"`` when ``price`` exits; else None."""
    sign = 1.0 if levels.side == "long" else -1.0
    stop = effective_stop(levels)
    if stop is not None and sign * (price - stop) <= 0:
        trailing = trailing_level(levels)
        fixed = levels.stop_loss
        if trailing is not None and (fixed is None or sign * (trailing - fixed) > 0):
            return "trailing_stop"
        return "stop_loss"
    if levels.take_profit is not None and sign * (levels.take_profit - price) <= 0:
        return "take_profit"
    return None


def report_threshold(levels: Levels) -> float | None:
    """The price past which a new extreme is worth a signal (trailing stops only)."""
    if levels.trailing_stop_pct is None:
        return None
    step = levels.trailing_stop_pct / 100.0 * REPORT_STEP
    sign = 1.0 if levels.side == "long" else -1.0
    return levels.extreme * (1.0 + sign * step)


def from_stored(
    *,
    side: str,
    entry_price: float,
    stop_loss: float | None,
    take_profit: float | None,
    trailing_stop_pct: float | None,
) -> Levels:
    """Levels rebuilt from a stored trade, whose ``stop_loss`` is the last effective stop.

    The best price is recovered from the stored trailing stop (a long's stop
    of 104.50 with a 5% trail means a high of 110). Where the fixed stop was the
    tighter one this overstates the best price, but only up to the point where
    the trailing stop equals the stored stop, so the effective stop, now and as
    prices move, is the same.
    """
    extreme = entry_price
    if trailing_stop_pct is not None and stop_loss is not None:
        fraction = trailing_stop_pct / 100.0
        implied = stop_loss / (1.0 - fraction) if side == "long" else stop_loss / (1.0 + fraction)
        extreme = max(extreme, implied) if side == "long" else min(extreme, implied)
    return Levels(side, extreme, stop_loss, take_profit, trailing_stop_pct)
