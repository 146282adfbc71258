"""What waits for a user's YES or NO, and how a reply picks one of them.

Two kinds wait: trades the desk proposed (openings, ``TradeDesk.pending``)
and closings the conversation holds itself (CLOSE TSLA, CLOSE ALL) until
confirmed, for ``confirm_ttl_seconds``. They are numbered 1, 2, ... in that
order; "YES" takes the only one, "YES 2" or "YES AAPL" picks one, "YES ALL"
takes every one. With several waiting and no pick, the user is asked which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradeassist.domain.trading import PendingTrade
from tradeassist.notify.texts import trade_line

__all__ = ["Waiting", "choose", "describe", "live_actions", "menu"]


@dataclass(frozen=True, slots=True)
class Waiting:
    """One thing awaiting an answer: a desk trade, or a held closing (``action``)."""

    trade: PendingTrade | None = None
    action: dict[str, Any] | None = None

    @property
    def symbol(self) -> str | None:
        if self.trade is not None:
            return self.trade.symbol
        return None if self.action is None else self.action.get("symbol")


def live_actions(actions: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The held closings that have not expired."""
    return [a for a in actions if datetime.fromisoformat(str(a["expires_at"])) > now]


def describe(item: Waiting) -> str:
    """``BUY 100 AAPL at 150.00 ...``, ``CLOSE TSLA`` or ``CLOSE ALL positions``."""
    if item.trade is not None:
        return trade_line(item.trade)
    assert item.action is not None
    if item.action["kind"] == "kill_switch":
        return "CLOSE ALL positions"
    return f"CLOSE {item.action['symbol']}"


def menu(items: list[Waiting], verb: str) -> str:
    """The question when a reply does not say which: every item with its number."""
    listed = "; ".join(f"{n}) {describe(item)}" for n, item in enumerate(items, 1))
    return f"{len(items)} trades wait: {listed}. Which one? Reply {verb} 1, {verb} 2 or {verb} ALL."


def choose(items: list[Waiting], reference: str | None) -> list[Waiting] | str:
    """The items the reply means, or a complaint to send back; ``""``: ask which (:func:`menu`)."""
    if not items:
        return "Nothing is waiting for a YES or NO."
    if reference is None:
        return items if len(items) == 1 else ""
    ref = reference.strip().upper()
    if ref == "ALL":
        return items
    if ref.isdigit():
        n = int(ref)
        return [items[n - 1]] if 1 <= n <= len(items) else f"There is no trade {n} waiting."
    picked = [item for item in items if item.symbol == ref]
    if not picked:
        return f"No {ref} trade is waiting."
    return picked if len(picked) == 1 else ""
