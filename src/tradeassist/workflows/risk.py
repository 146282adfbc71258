"""Risk controls of paper trading, as pure functions.

Position size by risk per trade, the checks made before an entry fills
(limit price, stop already crossed), the daily loss limit and P&L. Prices and
P&L are dollars, quantities whole shares, percentages 0-100. Nothing here
does I/O, so the workflow can call it directly (it is deterministic) and the
desk can call it before a workflow exists.
"""

from __future__ import annotations

import math

from tradeassist.errors import InputError

__all__ = [
    "MAX_QUANTITY",
    "daily_loss_reached",
    "entry_problem",
    "pnl",
    "position_size",
    "risk_per_share",
    "validate_levels",
]

#: The largest paper position, in shares (the command model's own bound).
MAX_QUANTITY = 1_000_000


def risk_per_share(
    *, side: str, entry: float, stop_loss: float | None, trailing_stop_pct: float | None
) -> float | None:
    """Dollars lost per share if the position is stopped out; None without any stop.

    The tighter of the fixed stop and the trailing stop (measured from the
    entry, where the trailing stop starts) is the one that fires first.
    """
    distances: list[float] = []
    if stop_loss is not None:
        distances.append(entry - stop_loss if side == "long" else stop_loss - entry)
    if trailing_stop_pct is not None:
        distances.append(entry * trailing_stop_pct / 100.0)
    positive = [d for d in distances if d > 0]
    return min(positive) if positive else None


def position_size(
    *,
    side: str,
    risk_dollars: float,
    entry: float,
    stop_loss: float | None,
    trailing_stop_pct: float | None,
) -> int:
    """Whole shares such that being stopped out loses at most ``risk_dollars``.

    Raises ``InputError`` when there is no stop to measure the risk against
    or when the risk does not buy a single share.
    """
    per_share = risk_per_share(
        side=side, entry=entry, stop_loss=stop_loss, trailing_stop_pct=trailing_stop_pct
    )
    if per_share is None:
        raise InputError("give a quantity, or a stop so the size can be set by risk")
    quantity = min(math.floor(risk_dollars / per_share + 1e-9), MAX_QUANTITY)
    if quantity < 1:
        raise InputError(
            f"a risk of ${risk_dollars:,.2f} is less than one share at "
            f"${per_share:,.2f} a share to the stop"
        )
    return quantity


def validate_levels(
    *, side: str, reference: float | None, stop_loss: float | None, take_profit: float | None
) -> None:
    """Raise ``InputError`` when the stop or target is on the wrong side.

    A long's stop is below its target and below the reference price (the
    limit or the last price, when known); a short's mirrors it.
    """
    sign = 1.0 if side == "long" else -1.0
    if stop_loss is not None and take_profit is not None and sign * (take_profit - stop_loss) <= 0:
        raise InputError(
            f"the stop {stop_loss:g} must be {'below' if sign > 0 else 'above'} "
            f"the target {take_profit:g} for a {side}"
        )
    if reference is None:
        return
    if stop_loss is not None and sign * (reference - stop_loss) <= 0:
        raise InputError(
            f"the stop {stop_loss:g} must be {'below' if sign > 0 else 'above'} "
            f"the price {reference:g} for a {side}"
        )
    if take_profit is not None and sign * (take_profit - reference) <= 0:
        raise InputError(
            f"the target {take_profit:g} must be {'above' if sign > 0 else 'below'} "
            f"the price {reference:g} for a {side}"
        )


def entry_problem(
    *,
    side: str,
    price: float,
    limit_price: float | None,
    stop_loss: float | None,
    take_profit: float | None,
) -> str | None:
    """Why a paper entry at ``price`` must not fill, or None when it may.

    A long fills at or below its limit, a short at or above it; an entry
    beyond its own stop or target would exit at once, so it is refused too.
    """
    sign = 1.0 if side == "long" else -1.0
    if limit_price is not None and sign * (price - limit_price) > 0:
        where = "above" if sign > 0 else "below"
        return f"the price {price:.2f} is {where} your limit {limit_price:.2f}"
    if stop_loss is not None and sign * (price - stop_loss) <= 0:
        return f"the price {price:.2f} is already through your stop {stop_loss:.2f}"
    if take_profit is not None and sign * (take_profit - price) <= 0:
        return f"the price {price:.2f} is already through your target {take_profit:.2f}"
    return None


def pnl(*, side: str, entry: float, exit: float, quantity: int) -> float:
    """Profit (negative: loss) in dollars, rounded to the cent."""
    per_share = exit - entry if side == "long" else entry - exit
    return round(per_share * quantity, 2)


def daily_loss_reached(realized_today: float, limit: float | None) -> bool:
    """True when today's realized P&L (dollars) is at or past the loss limit."""
    return limit is not None and realized_today <= -abs(limit)
