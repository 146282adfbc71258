"""Fake activities registered under the real names: an in-memory trade book.

Times come from the test server's clock (the scheduled time of the activity,
which time skipping moves), shifted by ``offset`` so a test can place the
trade on any calendar day. The session close is the real calendar's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import activity

from tradeassist.market_calendar import trading_calendar
from tradeassist.workflows import risk
from tradeassist.workflows.activities import to_ns
from tradeassist.workflows.inputs import (
    Activity,
    ClosedTrade,
    CloseTradeInput,
    EndTradeInput,
    OpenTradeInput,
    OpenTradeResult,
    PriceInput,
    RecordTradeInput,
    SessionCloseInput,
    SmsInput,
    UpdateStopInput,
)
from tradeassist.workflows.market_hours import session_close_after


@dataclass
class BookTrade:
    id: int
    user_id: str
    symbol: str
    side: str
    quantity: int
    stop_loss: float | None
    status: str = "pending_confirmation"
    entry_price: float | None = None
    entry_time: datetime | None = None
    exit_price: float | None = None
    exit_time: datetime | None = None
    pnl: float | None = None
    exit_reason: str | None = None
    stops: list[float] = field(default_factory=list)


class FakeBook:
    """Trades, messages and prices in memory, behind the lifecycle's activity names."""

    def __init__(
        self,
        prices: dict[str, float] | None = None,
        *,
        offset: timedelta = timedelta(0),
        refuse: str | None = None,
    ) -> None:
        self.prices: dict[str, float] = dict(prices or {})
        self.offset = offset
        self.refuse = refuse
        self.trades: dict[str, BookTrade] = {}
        self.sms: list[tuple[str, str]] = []  # (key, body)

    def now(self) -> datetime:
        return activity.info().current_attempt_scheduled_time.astimezone(UTC) + self.offset

    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.record_trade,
            self.get_last_price,
            self.send_sms,
            self.open_trade,
            self.next_session_close,
            self.update_stop,
            self.close_trade,
            self.end_trade,
        ]

    def only_trade(self) -> BookTrade:
        (trade,) = self.trades.values()
        return trade

    def bodies(self) -> list[str]:
        return [body for _, body in self.sms]

    @activity.defn(name=Activity.RECORD_TRADE)
    async def record_trade(self, data: RecordTradeInput) -> int:
        trade = self.trades.setdefault(
            data.workflow_id,
            BookTrade(
                len(self.trades) + 1,
                data.user_id,
                data.symbol,
                data.side,
                data.quantity,
                data.stop_loss,
            ),
        )
        return trade.id

    @activity.defn(name=Activity.GET_LAST_PRICE)
    async def get_last_price(self, data: PriceInput) -> float | None:
        return self.prices.get(data.symbol)

    @activity.defn(name=Activity.SEND_SMS)
    async def send_sms(self, data: SmsInput) -> None:
        if data.key not in {key for key, _ in self.sms}:
            self.sms.append((data.key, data.body))

    @activity.defn(name=Activity.OPEN_TRADE)
    async def open_trade(self, data: OpenTradeInput) -> OpenTradeResult:
        trade = self.trades[data.workflow_id]
        if self.refuse is not None:
            trade.status = "cancelled"
            return OpenTradeResult(False, reason=self.refuse)
        if trade.status == "pending_confirmation":
            trade.status, trade.entry_price, trade.entry_time = "open", data.price, self.now()
        assert trade.entry_time is not None
        return OpenTradeResult(True, trade.entry_price, to_ns(trade.entry_time))

    @activity.defn(name=Activity.NEXT_SESSION_CLOSE)
    async def next_session_close(self, data: SessionCloseInput) -> int:
        return session_close_after(trading_calendar(), data.after_ns)

    @activity.defn(name=Activity.UPDATE_STOP)
    async def update_stop(self, data: UpdateStopInput) -> None:
        trade = self.trades[data.workflow_id]
        trade.stop_loss = data.stop_loss
        trade.stops.append(data.stop_loss)

    @activity.defn(name=Activity.CLOSE_TRADE)
    async def close_trade(self, data: CloseTradeInput) -> ClosedTrade:
        trade = self.trades[data.workflow_id]
        if trade.status == "open":
            assert trade.entry_price is not None
            trade.status, trade.exit_price, trade.exit_time = "closed", data.price, self.now()
            trade.exit_reason = data.reason
            trade.pnl = risk.pnl(
                side=trade.side, entry=trade.entry_price, exit=data.price, quantity=trade.quantity
            )
        assert trade.exit_price is not None and trade.exit_time is not None
        return ClosedTrade(trade.exit_price, to_ns(trade.exit_time), trade.pnl or 0.0)

    @activity.defn(name=Activity.END_TRADE)
    async def end_trade(self, data: EndTradeInput) -> None:
        trade = self.trades[data.workflow_id]
        if trade.status == "pending_confirmation":
            trade.status = data.status
