"""The ``TradeLifecycle`` workflow: one paper trade from proposal to follow-up.

    record (pending_confirmation) -> SMS "reply YES" -> wait for the answer
      no reply: expired | NO, kill switch: cancelled | risk refused: cancelled
    -> paper entry at the last price (open)
    -> monitor: stop loss, trailing stop, target (price crossings), user close,
       kill switch, move stop, session close (one durable timer)
    -> paper exit (closed) -> SMS follow-up with the P&L

Prices arrive as ``price_crossing`` signals only when a level is crossed
(:class:`~tradeassist.workflows.watcher.PriceWatcher`), never per tick, so the
history stays small. Every side effect is an activity, named in
:class:`~tradeassist.workflows.inputs.Activity` and idempotent on the
workflow id, so a worker that dies mid-trade is replaced without a second
entry, exit or follow-up. Prices in dollars, times UTC ns.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from tradeassist.errors import InputError
    from tradeassist.workflows import levels as lv
    from tradeassist.workflows import messages, risk, steps
    from tradeassist.workflows.inputs import (
        WORKFLOW_NAME,
        Activity,
        Answer,
        ClosedTrade,
        CloseRequest,
        CloseTradeInput,
        EndTradeInput,
        MoveStop,
        OpenTradeInput,
        OpenTradeResult,
        PriceCrossing,
        SessionCloseInput,
        TradeInput,
        TradeOutcome,
        TradeState,
        UpdateStopInput,
    )

__all__ = ["TradeLifecycle"]

T = TypeVar("T")
_STOP_TOLERANCE = 1e-9  # dollars; a smaller change of the stop is not worth a write


@workflow.defn(name=WORKFLOW_NAME)
class TradeLifecycle:
    """A paper trade followed until it is closed, cancelled or expired."""

    def __init__(self) -> None:
        self._answer: bool | None = None
        self._close: CloseRequest | None = None
        self._crossings: list[PriceCrossing] = []
        self._levels: lv.Levels | None = None
        self._stop_moved = False
        self._last_seen: float | None = None
        self._persisted_stop: float | None = None
        self._state = TradeState(
            trade_id=None, user_id="", symbol="", side="", status="pending_confirmation"
        )

    # --- signals and queries ----------------------------------------------------------

    @workflow.signal(name="answer")
    def answer(self, answer: Answer) -> None:
        if self._answer is None:
            self._answer = answer.confirmed

    @workflow.signal(name="price_crossing")
    def price_crossing(self, crossing: PriceCrossing) -> None:
        if self._state.status == "open":
            self._crossings.append(crossing)

    @workflow.signal(name="close")
    def close(self, request: CloseRequest) -> None:
        if self._close is None:
            self._close = request

    @workflow.signal(name="move_stop")
    def move_stop(self, move: MoveStop) -> None:
        self._state.stop_loss = move.stop_loss
        if self._levels is not None:
            self._levels = lv.Levels(
                side=self._levels.side,
                extreme=self._levels.extreme,
                stop_loss=move.stop_loss,
                take_profit=self._levels.take_profit,
                trailing_stop_pct=self._levels.trailing_stop_pct,
            )
            self._stop_moved = True
            self._state.effective_stop = lv.effective_stop(self._levels)

    @workflow.query(name="state")
    def state(self) -> TradeState:
        return self._state

    # --- the lifecycle ---------------------------------------------------------------

    @workflow.run
    async def run(self, trade: TradeInput) -> TradeOutcome:
        self._trade = trade
        self._id = workflow.info().workflow_id
        self._state = TradeState(
            trade_id=None,
            user_id=trade.user_id,
            symbol=trade.symbol,
            side=trade.side,
            status="pending_confirmation",
            quantity=trade.quantity,
            stop_loss=trade.stop_loss,
            take_profit=trade.take_profit,
            trailing_stop_pct=trade.trailing_stop_pct,
        )
        quantity = trade.quantity if trade.quantity is not None else await self._size()
        if quantity is None:
            return self._outcome("cancelled")
        self._state.quantity = quantity
        self._what = messages.plan(
            side=trade.side,
            symbol=trade.symbol,
            quantity=quantity,
            limit_price=trade.limit_price,
            stop_loss=trade.stop_loss,
            take_profit=trade.take_profit,
            trailing_stop_pct=trade.trailing_stop_pct,
        )
        self._state.trade_id = await self._store(
            Activity.RECORD_TRADE, steps.record_input(self._id, trade, quantity), int
        )
        await self._sms(messages.confirm_request(self._what, trade.confirm_timeout_s), "confirm")
        try:
            await workflow.wait_condition(
                lambda: self._answer is not None or self._close is not None,
                timeout=timedelta(seconds=trade.confirm_timeout_s),
            )
        except TimeoutError:
            await self._end("expired", "no reply", messages.expired(self._what))
            return self._outcome("expired")
        if self._close is not None or not self._answer:
            reason = self._close.reason if self._close is not None else "declined"
            await self._end("cancelled", reason, messages.cancelled(self._what))
            return self._outcome("cancelled")
        return await self._enter_and_follow()

    async def _enter_and_follow(self) -> TradeOutcome:
        trade = self._trade
        price = await self._last_price()
        if price is None:
            return await self._refuse("no current price is known")
        problem = risk.entry_problem(
            side=trade.side,
            price=price,
            limit_price=trade.limit_price,
            stop_loss=self._state.stop_loss,
            take_profit=trade.take_profit,
        )
        if problem is not None:
            return await self._refuse(problem)
        opened = await self._store(
            Activity.OPEN_TRADE,
            OpenTradeInput(self._id, price=price, daily_loss_limit=trade.daily_loss_limit),
            OpenTradeResult,
        )
        if not opened.opened or opened.entry_price is None or opened.entry_ns is None:
            self._state.status = "cancelled"
            self._state.reason = opened.reason
            await self._sms(messages.cancelled(self._what, opened.reason), "refused")
            return self._outcome("cancelled")
        self._open(opened.entry_price)
        quantity = self._state.quantity or 0
        await self._sms(
            messages.entered(
                side=trade.side, symbol=trade.symbol, quantity=quantity, price=opened.entry_price
            ),
            "entered",
        )
        timer: asyncio.Task[None] | None = None
        if trade.exit_at_close:
            timer = asyncio.create_task(self._close_at_session_end(opened.entry_ns))
        reason, exit_price = await self._monitor()
        if exit_price is None:
            exit_price = await self._last_price() or self._last_seen or opened.entry_price
        closed = await self._store(
            Activity.CLOSE_TRADE, CloseTradeInput(self._id, exit_price, reason), ClosedTrade
        )
        if timer is not None:
            timer.cancel()
        self._state.status = "closed"
        self._state.exit_price = closed.exit_price
        self._state.pnl = closed.pnl
        self._state.reason = reason
        await self._sms(
            messages.follow_up(
                side=trade.side,
                symbol=trade.symbol,
                quantity=quantity,
                entry_price=opened.entry_price,
                exit_price=closed.exit_price,
                pnl=closed.pnl,
                reason=reason,
            ),
            "follow_up",
        )
        return self._outcome("closed")

    def _open(self, entry_price: float) -> None:
        trade = self._trade
        self._levels = lv.Levels(
            side=trade.side,
            extreme=entry_price,
            stop_loss=self._state.stop_loss,
            take_profit=trade.take_profit,
            trailing_stop_pct=trade.trailing_stop_pct,
        )
        self._persisted_stop = self._state.stop_loss
        self._state.status = "open"
        self._state.entry_price = entry_price
        self._state.extreme = entry_price
        self._state.effective_stop = lv.effective_stop(self._levels)

    async def _monitor(self) -> tuple[str, float | None]:
        """Wait until something closes the position: (reason, fill price or None)."""
        while True:
            await workflow.wait_condition(
                lambda: bool(self._crossings) or self._close is not None or self._stop_moved
            )
            if self._close is not None:
                return self._close.reason, None
            if self._stop_moved:
                # Stored before any exit it may cause, so the row shows the stop that fired.
                self._stop_moved = False
                await self._persist_stop("user")
            crossings, self._crossings = self._crossings, []
            assert self._levels is not None
            for crossing in crossings:
                self._last_seen = crossing.price
                self._levels = lv.observe(self._levels, crossing.price, crossing.best)
                reason = lv.exit_reason(self._levels, crossing.price)
                if reason is not None:
                    return reason, crossing.price
            self._state.extreme = self._levels.extreme
            await self._persist_stop("trailing")

    async def _persist_stop(self, by: str) -> None:
        """Store the effective stop when it changed (moved by the user or trailing)."""
        assert self._levels is not None
        stop = lv.effective_stop(self._levels)
        self._state.effective_stop = stop
        if stop is None or (
            self._persisted_stop is not None and abs(stop - self._persisted_stop) <= _STOP_TOLERANCE
        ):
            return
        self._persisted_stop = stop
        await self._store(Activity.UPDATE_STOP, UpdateStopInput(self._id, stop, by), type(None))

    async def _close_at_session_end(self, entry_ns: int) -> None:
        """Close at the session's end; runs beside the monitor, which never waits for it."""
        close_ns = await self._store(Activity.NEXT_SESSION_CLOSE, SessionCloseInput(entry_ns), int)
        # The delay is measured on the activities' clock, from the fill.
        await asyncio.sleep(max((close_ns - entry_ns) / 1e9, 0.0))
        if self._close is None:
            self._close = CloseRequest("session_close")

    # --- steps -----------------------------------------------------------------------

    async def _size(self) -> int | None:
        trade = self._trade
        reference = trade.limit_price or await self._last_price()
        reason = "no current price is known"
        if reference is not None:
            try:
                return risk.position_size(
                    side=trade.side,
                    risk_dollars=trade.risk_dollars or 0.0,
                    entry=reference,
                    stop_loss=trade.stop_loss,
                    trailing_stop_pct=trade.trailing_stop_pct,
                )
            except InputError as exc:
                reason = exc.message
        self._state.status = "cancelled"
        self._state.reason = reason
        await self._sms(f"Not entered: {trade.side} {trade.symbol}: {reason}.", "refused")
        return None

    async def _refuse(self, reason: str) -> TradeOutcome:
        await self._end("cancelled", reason, messages.cancelled(self._what, reason))
        return self._outcome("cancelled")

    async def _end(self, status: str, reason: str, text: str) -> None:
        await self._store(Activity.END_TRADE, EndTradeInput(self._id, status, reason), type(None))
        self._state.status = status
        self._state.reason = reason
        await self._sms(text, status)

    def _outcome(self, status: str) -> TradeOutcome:
        return steps.outcome(self._state, status)

    async def _store(self, name: str, arg: Any, result_type: type[T]) -> T:
        return await steps.store(name, arg, result_type)

    async def _last_price(self) -> float | None:
        return await steps.last_price(self._trade.symbol)

    async def _sms(self, body: str, step: str) -> None:
        await steps.send_sms(self._trade.user_id, body, f"{self._id}:{step}")
