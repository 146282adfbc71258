"""``RecordingTradeDesk``: an in-memory paper desk that records every intent.

Used until the Temporal desk exists, and in tests. It follows the
``TradeDesk`` contract: a proposal waits for a YES (or NO), a YES opens the
position at its limit price, CLOSE and the kill switch close open positions.
Quantities default to ``default_quantity`` shares when a command gives none.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from tradeassist.domain.commands import OpenPositionCommand
from tradeassist.domain.trading import PendingTrade

__all__ = ["RecordingTradeDesk"]


class RecordingTradeDesk:
    """Implements :class:`tradeassist.domain.trading.TradeDesk` in memory."""

    def __init__(self, *, default_quantity: int = 100) -> None:
        self._default_quantity = default_quantity
        self._ids = itertools.count(1)
        self._trades: dict[int, tuple[str, PendingTrade]] = {}
        self.intents: list[tuple[str, dict[str, Any]]] = []

    def _record(self, intent: str, **details: Any) -> None:
        self.intents.append((intent, details))

    def _mine(self, user_id: str, *statuses: str) -> list[PendingTrade]:
        return [
            trade
            for owner, trade in self._trades.values()
            if owner == user_id and trade.status in statuses
        ]

    def _set(self, user_id: str, trade: PendingTrade, **changes: Any) -> PendingTrade:
        updated = dataclasses.replace(trade, **changes)
        self._trades[trade.trade_id] = (user_id, updated)
        return updated

    async def propose(
        self, *, user_id: str, command: OpenPositionCommand, alert_id: int | None = None
    ) -> PendingTrade:
        self._record("propose", user_id=user_id, command=command, alert_id=alert_id)
        trade = PendingTrade(
            trade_id=next(self._ids),
            symbol=command.symbol,
            side=command.side,
            quantity=command.quantity or self._default_quantity,
            status="pending_confirmation",
            entry_price=command.limit_price,
            stop_loss=command.stop_loss,
            take_profit=command.take_profit,
        )
        self._trades[trade.trade_id] = (user_id, trade)
        return trade

    async def pending(self, *, user_id: str) -> list[PendingTrade]:
        return self._mine(user_id, "pending_confirmation")

    async def answer(self, *, user_id: str, trade_id: int, confirmed: bool) -> None:
        self._record("answer", user_id=user_id, trade_id=trade_id, confirmed=confirmed)
        owner, trade = self._trades.get(trade_id, (None, None))
        if owner == user_id and trade is not None and trade.status == "pending_confirmation":
            self._set(user_id, trade, status="open" if confirmed else "cancelled")

    async def close(self, *, user_id: str, symbol: str) -> PendingTrade | None:
        self._record("close", user_id=user_id, symbol=symbol)
        for trade in self._mine(user_id, "open"):
            if trade.symbol == symbol:
                return self._set(user_id, trade, status="closed")
        return None

    async def move_stop(
        self, *, user_id: str, symbol: str, stop_loss: float
    ) -> PendingTrade | None:
        self._record("move_stop", user_id=user_id, symbol=symbol, stop_loss=stop_loss)
        for trade in self._mine(user_id, "open"):
            if trade.symbol == symbol:
                return self._set(user_id, trade, stop_loss=stop_loss)
        return None

    async def kill_switch(self, *, user_id: str) -> int:
        self._record("kill_switch", user_id=user_id)
        opened = self._mine(user_id, "open")
        for trade in opened:
            self._set(user_id, trade, status="closed")
        return len(opened)

    async def positions(self, *, user_id: str) -> list[PendingTrade]:
        return self._mine(user_id, "open", "pending_confirmation")
