"""The port between conversations (SMS, API) and the trade lifecycle.

The notifier calls a ``TradeDesk`` when a user's command opens, confirms,
changes or closes a paper trade; the Temporal implementation starts and
signals ``TradeLifecycle`` workflows. Keeping this a Protocol lets the SMS
layer be tested with a recording desk and lets the lifecycle change without
touching the parsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from tradeassist.domain.commands import OpenPositionCommand

__all__ = ["PendingTrade", "TradeDesk", "TradeStatus"]

TradeStatus = Literal["pending_confirmation", "open", "closed", "cancelled", "expired"]


@dataclass(frozen=True, slots=True)
class PendingTrade:
    """A trade as the conversation layer sees it. Prices in dollars, quantity in shares."""

    trade_id: int
    symbol: str
    side: Literal["long", "short"]
    quantity: int
    status: TradeStatus
    entry_price: float | None = None
    stop_loss: float | None = None
    take_profit: float | None = None


class TradeDesk(Protocol):
    """What the conversation layer may ask of the trade lifecycle (paper trading only)."""

    async def propose(
        self, *, user_id: str, command: OpenPositionCommand, alert_id: int | None = None
    ) -> PendingTrade:
        """Start a trade awaiting the user's YES; the desk sends the confirmation request."""
        ...

    async def pending(self, *, user_id: str) -> list[PendingTrade]:
        """The user's trades still waiting for a YES or NO."""
        ...

    async def answer(self, *, user_id: str, trade_id: int, confirmed: bool) -> None:
        """Deliver the user's YES (``confirmed``) or NO to one pending trade."""
        ...

    async def close(self, *, user_id: str, symbol: str) -> PendingTrade | None:
        """Close the user's open position in ``symbol``; None when there is none."""
        ...

    async def move_stop(
        self, *, user_id: str, symbol: str, stop_loss: float
    ) -> PendingTrade | None:
        """Move the stop of the user's open position in ``symbol``."""
        ...

    async def kill_switch(self, *, user_id: str) -> int:
        """Close every open position of the user; returns how many were closed."""
        ...

    async def positions(self, *, user_id: str) -> list[PendingTrade]:
        """The user's open and pending trades."""
        ...
