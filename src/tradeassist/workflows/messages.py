"""The texts the trade lifecycle sends by SMS (pure; prices in dollars).

Short enough for one or two SMS segments. The first message a user ever
gets from the lifecycle is prefixed with :data:`PAPER_NOTICE` by the
``send_sms`` activity.
"""

from __future__ import annotations

__all__ = [
    "PAPER_NOTICE",
    "cancelled",
    "confirm_request",
    "entered",
    "expired",
    "follow_up",
    "plan",
]

PAPER_NOTICE = "Paper trading only: no real orders are placed."

_REASONS = {
    "stop_loss": "stop loss",
    "trailing_stop": "trailing stop",
    "take_profit": "target",
    "session_close": "market close",
    "user": "your request",
    "kill_switch": "kill switch",
}


def _verb(side: str) -> str:
    return "BUY" if side == "long" else "SELL SHORT"


def plan(
    *,
    side: str,
    symbol: str,
    quantity: int,
    limit_price: float | None,
    stop_loss: float | None,
    take_profit: float | None,
    trailing_stop_pct: float | None,
) -> str:
    """``BUY 100 AAPL limit 150.00, stop 148.00, target 155.00``."""
    parts = [f"{_verb(side)} {quantity} {symbol}"]
    parts[0] += f" limit {limit_price:.2f}" if limit_price is not None else " at market"
    if stop_loss is not None:
        parts.append(f"stop {stop_loss:.2f}")
    if trailing_stop_pct is not None:
        parts.append(f"trailing stop {trailing_stop_pct:g}%")
    if take_profit is not None:
        parts.append(f"target {take_profit:.2f}")
    return ", ".join(parts)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes >= 1 else f"{round(seconds)} s"


def confirm_request(what: str, timeout_s: float) -> str:
    return (
        f"Paper trade: {what}. Reply YES to confirm or NO to cancel "
        f"(expires in {_duration(timeout_s)})."
    )


def expired(what: str) -> str:
    return f"No reply: {what} expired; nothing was entered."


def cancelled(what: str, reason: str | None = None) -> str:
    if reason:
        return f"Not entered: {what}: {reason}."
    return f"Cancelled: {what}; nothing was entered."


def entered(*, side: str, symbol: str, quantity: int, price: float) -> str:
    return f"Entered (paper): {_verb(side)} {quantity} {symbol} at {price:.2f}."


def follow_up(
    *,
    side: str,
    symbol: str,
    quantity: int,
    entry_price: float,
    exit_price: float,
    pnl: float,
    reason: str,
) -> str:
    """``Closed AAPL long 100 at 147.90 (stop loss). Entry 150.00. P&L -210.00 (paper).``"""
    why = _REASONS.get(reason, reason)
    sign = "+" if pnl > 0 else ""
    return (
        f"Closed {symbol} {side} {quantity} at {exit_price:.2f} ({why}). "
        f"Entry {entry_price:.2f}. P&L {sign}{pnl:,.2f} (paper)."
    )
