"""The lifecycle's activities: methods of one class holding the injected dependencies.

Each one is idempotent on the workflow id (and step, for messages), so a retry
or a replacement worker never enters, exits or notifies twice (an SMS whose
sending succeeded but whose record was lost in a crash is the one exception:
it may be sent again, never lost). Deliberate errors from
:mod:`tradeassist.errors` become non-retryable ``ApplicationError``s, except
``StorageError`` (the database may come back). Prices dollars, times UTC ns.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from tradeassist.errors import StorageError, TradeAssistError
from tradeassist.market_calendar import TradingCalendar, trading_calendar
from tradeassist.store import trade_lifecycle as trades
from tradeassist.store.audit import has_action, record_action
from tradeassist.store.tables import TradeRow
from tradeassist.store.types import utcnow
from tradeassist.store.write_guard import WriteGuard
from tradeassist.workflows import risk
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
from tradeassist.workflows.market_hours import eastern_day_start, session_close_after
from tradeassist.workflows.messages import PAPER_NOTICE
from tradeassist.workflows.ports import Clock, PriceSource, SmsSender

__all__ = ["TradeActivities", "to_ns"]

P = ParamSpec("P")
R = TypeVar("R")
_NS = 1_000_000_000


def to_ns(moment: datetime) -> int:
    """UTC nanoseconds of an aware datetime (microsecond precision)."""
    return int(moment.timestamp()) * _NS + moment.microsecond * 1000


def _mapped(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Turn our deliberate errors into ``ApplicationError`` (non-retryable but storage)."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except TradeAssistError as exc:
            retry = isinstance(exc, StorageError)
            raise ApplicationError(
                exc.message, type=type(exc).__name__, non_retryable=not retry
            ) from None

    return wrapper


class TradeActivities:
    """The side effects of ``TradeLifecycle``: database, SMS, prices, calendar."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        sender: SmsSender,
        prices: PriceSource,
        clock: Clock = utcnow,
        calendar: TradingCalendar | None = None,
    ) -> None:
        self._sessions = sessions
        self._writes = WriteGuard(sessions)
        self._sender = sender
        self._prices = prices
        self._clock = clock
        self._calendar = calendar

    def all(self) -> list[Callable[..., Any]]:
        """Every activity, for ``Worker(activities=...)``."""
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

    async def _trade(self, session: AsyncSession, workflow_id: str) -> TradeRow:
        row = await trades.trade_by_workflow(session, workflow_id)
        if row is None:
            raise ApplicationError(f"no trade for {workflow_id}", non_retryable=True)
        return row

    @activity.defn(name=Activity.RECORD_TRADE)
    @_mapped
    async def record_trade(self, data: RecordTradeInput) -> int:
        """Insert the pending trade (once); returns its id."""
        async with self._writes.transaction() as session:
            row, inserted = await trades.insert_pending(
                session,
                workflow_id=data.workflow_id,
                user_id=data.user_id,
                symbol=data.symbol,
                side=data.side,
                quantity=data.quantity,
                stop_loss=data.stop_loss,
                take_profit=data.take_profit,
                trailing_stop_pct=data.trailing_stop_pct,
                alert_id=data.alert_id,
            )
            if inserted:
                details = {"key": f"{data.workflow_id}:record", "trade_id": row.id}
                details |= {"symbol": data.symbol, "side": data.side, "quantity": data.quantity}
                details |= {"limit_price": data.limit_price, "stop_loss": data.stop_loss}
                details |= {"take_profit": data.take_profit}
                await record_action(
                    session, user_id=data.user_id, action="trade_proposed", details=details
                )
            return row.id

    @activity.defn(name=Activity.GET_LAST_PRICE)
    @_mapped
    async def get_last_price(self, data: PriceInput) -> float | None:
        """The symbol's last price in dollars (None: unknown)."""
        return await self._prices.last_price(data.symbol)

    @activity.defn(name=Activity.SEND_SMS)
    @_mapped
    async def send_sms(self, data: SmsInput) -> None:
        """Send once per key; the user's first message says it is paper trading."""
        async with self._sessions() as session:
            if await has_action(session, user_id=data.user_id, action="sms_sent", key=data.key):
                return
            first = not await has_action(session, user_id=data.user_id, action="sms_sent")
        body = f"{PAPER_NOTICE} {data.body}" if first else data.body
        await self._sender.send(user_id=data.user_id, body=body)
        async with self._writes.transaction() as session:
            await record_action(
                session,
                user_id=data.user_id,
                action="sms_sent",
                details={"key": data.key, "body": body},
                at=self._clock(),
            )

    @activity.defn(name=Activity.OPEN_TRADE)
    @_mapped
    async def open_trade(self, data: OpenTradeInput) -> OpenTradeResult:
        """Fill the entry at ``price`` unless the kill switch or the daily loss limit says no."""
        now = self._clock()
        async with self._writes.transaction() as session:
            row = await self._trade(session, data.workflow_id)
            if row.status == "open" and row.entry_time is not None:
                return OpenTradeResult(True, row.entry_price, to_ns(row.entry_time))
            if row.status != "pending_confirmation":
                return OpenTradeResult(False, reason=f"the trade is {row.status}")
            reason = await self._refusal(session, row.user_id, now, data.daily_loss_limit)
            if reason is not None:
                await trades.mark_ended(session, workflow_id=data.workflow_id, status="cancelled")
                await self._audit(session, row, "trade_refused", "open", reason=reason, at=now)
                return OpenTradeResult(False, reason=reason)
            await trades.mark_open(session, workflow_id=data.workflow_id, price=data.price, at=now)
            await self._audit(session, row, "trade_opened", "open", price=data.price, at=now)
            return OpenTradeResult(True, data.price, to_ns(now))

    async def _refusal(
        self, session: AsyncSession, user_id: str, now: datetime, limit: float | None
    ) -> str | None:
        day_start = eastern_day_start(now)
        if await has_action(session, user_id=user_id, action="kill_switch", since=day_start):
            return "the kill switch is on for today"
        realized = await trades.realized_pnl_since(session, user_id=user_id, since=day_start)
        if risk.daily_loss_reached(realized, limit):
            return f"today's loss limit of ${abs(limit or 0):,.2f} is reached"
        return None

    @activity.defn(name=Activity.NEXT_SESSION_CLOSE)
    @_mapped
    async def next_session_close(self, data: SessionCloseInput) -> int:
        """The first regular-session close after ``after_ns`` (UTC ns, early closes and DST)."""
        return session_close_after(self._calendar or trading_calendar(), data.after_ns)

    @activity.defn(name=Activity.UPDATE_STOP)
    @_mapped
    async def update_stop(self, data: UpdateStopInput) -> None:
        """Store the open trade's current stop (moved by the user or trailing)."""
        async with self._writes.transaction() as session:
            row = await self._trade(session, data.workflow_id)
            if await trades.set_stop(
                session, workflow_id=data.workflow_id, stop_loss=data.stop_loss
            ):
                await self._audit(
                    session, row, "stop_updated", None, stop_loss=data.stop_loss, by=data.reason
                )

    @activity.defn(name=Activity.CLOSE_TRADE)
    @_mapped
    async def close_trade(self, data: CloseTradeInput) -> ClosedTrade:
        """Fill the exit at ``price`` (once) and store the P&L."""
        now = self._clock()
        async with self._writes.transaction() as session:
            row = await self._trade(session, data.workflow_id)
            if row.status == "closed" and row.exit_price is not None and row.exit_time is not None:
                return ClosedTrade(row.exit_price, to_ns(row.exit_time), row.pnl or 0.0)
            if row.status != "open" or row.entry_price is None:
                raise ApplicationError(f"the trade is {row.status}, not open", non_retryable=True)
            pnl = risk.pnl(
                side=row.side, entry=row.entry_price, exit=data.price, quantity=int(row.quantity)
            )
            await trades.mark_closed(
                session, workflow_id=data.workflow_id, price=data.price, at=now, pnl=pnl
            )
            await self._audit(
                session, row, "trade_closed", "close", price=data.price, pnl=pnl, reason=data.reason
            )
            return ClosedTrade(data.price, to_ns(now), pnl)

    @activity.defn(name=Activity.END_TRADE)
    @_mapped
    async def end_trade(self, data: EndTradeInput) -> None:
        """A trade that was never entered ends as cancelled or expired (once)."""
        async with self._writes.transaction() as session:
            row = await self._trade(session, data.workflow_id)
            _, changed = await trades.mark_ended(
                session, workflow_id=data.workflow_id, status=data.status
            )
            if changed:
                await self._audit(session, row, f"trade_{data.status}", None, reason=data.reason)

    async def _audit(
        self,
        session: AsyncSession,
        row: TradeRow,
        action: str,
        step: str | None,
        *,
        at: datetime | None = None,
        **details: Any,
    ) -> None:
        details["trade_id"] = row.id
        details["symbol"] = row.symbol
        if step is not None:
            details["key"] = f"{row.workflow_id}:{step}"
        await record_action(
            session, user_id=row.user_id, action=action, details=details, at=at or self._clock()
        )
