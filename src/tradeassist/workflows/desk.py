"""``TemporalTradeDesk``: the :class:`~tradeassist.domain.trading.TradeDesk` port on Temporal.

The conversation layer (SMS, API) proposes, confirms, closes and moves the
stop of paper trades through this class; it starts and signals
``TradeLifecycle`` workflows and reads the ``trades`` table, which the
workflows' activities keep current. A proposal is sized here (risk per trade
over the distance to the stop, when no quantity is given) and stored before
its workflow starts, so the caller gets the trade's id and size at once.
Every user action is written to the audit trail. Prices dollars, shares.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from tradeassist.domain.commands import OpenPositionCommand
from tradeassist.domain.trading import PendingTrade, TradeStatus
from tradeassist.errors import ConflictError, InputError, NotFoundError
from tradeassist.store import trade_lifecycle as trades
from tradeassist.store.audit import has_action, record_action
from tradeassist.store.tables import TradeRow
from tradeassist.store.types import utcnow
from tradeassist.store.write_guard import WriteGuard
from tradeassist.workflows import risk
from tradeassist.workflows.inputs import (
    TASK_QUEUE,
    WORKFLOW_NAME,
    Answer,
    CloseRequest,
    MoveStop,
    TradeInput,
    TradeState,
)
from tradeassist.workflows.market_hours import eastern_day_start
from tradeassist.workflows.ports import Clock, PriceSource
from tradeassist.workflows.watcher import WatchEntry
from tradeassist.workflows.watchlist import open_entries

__all__ = ["TemporalTradeDesk"]

_POLL_S = 0.1


def _pending_trade(row: TradeRow) -> PendingTrade:
    status: TradeStatus = row.status  # type: ignore[assignment]  # checked by the table
    side: Literal["long", "short"] = "long" if row.side == "long" else "short"
    return PendingTrade(
        trade_id=row.id,
        symbol=row.symbol,
        side=side,
        quantity=int(row.quantity),
        status=status,
        entry_price=row.entry_price,
        stop_loss=row.stop_loss,
        take_profit=row.take_profit,
    )


class TemporalTradeDesk:
    """Paper trades as ``TradeLifecycle`` workflows, one per trade."""

    def __init__(
        self,
        client: Client,
        sessions: async_sessionmaker[AsyncSession],
        *,
        prices: PriceSource | None = None,
        task_queue: str = TASK_QUEUE,
        risk_per_trade: float = 100.0,
        daily_loss_limit: float | None = 500.0,
        confirm_timeout_s: float = 300.0,
        close_wait_s: float = 10.0,
        clock: Clock = utcnow,
    ) -> None:
        self._client = client
        self._sessions = sessions
        self._writes = WriteGuard(sessions)
        self._prices = prices
        self._task_queue = task_queue
        self._risk_per_trade = risk_per_trade
        self._daily_loss_limit = daily_loss_limit
        self._confirm_timeout_s = confirm_timeout_s
        self._close_wait_s = close_wait_s
        self._clock = clock

    # --- TradeDesk -----------------------------------------------------------------

    async def propose(
        self, *, user_id: str, command: OpenPositionCommand, alert_id: int | None = None
    ) -> PendingTrade:
        """Size and store the trade, then start its workflow (which asks for the YES)."""
        if await self._kill_switch_on(user_id):
            raise ConflictError("the kill switch is on for today: no new trades until tomorrow")
        reference = command.limit_price
        if reference is None and self._prices is not None:
            reference = await self._prices.last_price(command.symbol)
        risk.validate_levels(
            side=command.side,
            reference=reference,
            stop_loss=command.stop_loss,
            take_profit=command.take_profit,
        )
        quantity = command.quantity
        if quantity is None:
            if reference is None:
                raise InputError(f"no price is known for {command.symbol}: give a quantity")
            quantity = risk.position_size(
                side=command.side,
                risk_dollars=self._risk_per_trade,
                entry=reference,
                stop_loss=command.stop_loss,
                trailing_stop_pct=command.trailing_stop_pct,
            )
        # One workflow per alert and user: a retried auto-trade finds the first one.
        workflow_id = (
            f"trade-{uuid.uuid4().hex}" if alert_id is None else f"trade-alert-{alert_id}-{user_id}"
        )
        async with self._writes.transaction() as session:
            row, inserted = await trades.insert_pending(
                session,
                workflow_id=workflow_id,
                user_id=user_id,
                symbol=command.symbol,
                side=command.side,
                quantity=quantity,
                stop_loss=command.stop_loss,
                take_profit=command.take_profit,
                trailing_stop_pct=command.trailing_stop_pct,
                alert_id=alert_id,
            )
            details = command.model_dump(exclude={"kind"}) | {"quantity": quantity}
            details |= {"trade_id": row.id, "key": f"{workflow_id}:record", "alert_id": alert_id}
            if inserted:
                await record_action(
                    session,
                    user_id=user_id,
                    action="trade_proposed",
                    details=details,
                    at=self._clock(),
                )
        trade = TradeInput(
            user_id=user_id,
            symbol=command.symbol,
            side=command.side,
            quantity=quantity,
            limit_price=command.limit_price,
            stop_loss=command.stop_loss,
            take_profit=command.take_profit,
            trailing_stop_pct=command.trailing_stop_pct,
            alert_id=alert_id,
            confirm_timeout_s=self._confirm_timeout_s,
            daily_loss_limit=self._daily_loss_limit,
        )
        try:
            await self._client.start_workflow(
                WORKFLOW_NAME, trade, id=workflow_id, task_queue=self._task_queue
            )
        except WorkflowAlreadyStartedError:
            return _pending_trade(row)  # proposed before (an auto-trade retried after a crash)
        except RPCError:
            async with self._writes.transaction() as session:
                await trades.mark_ended(session, workflow_id=workflow_id, status="cancelled")
            raise
        return _pending_trade(row)

    async def pending(self, *, user_id: str) -> list[PendingTrade]:
        async with self._sessions() as session:
            rows = await trades.user_trades(
                session, user_id=user_id, statuses=("pending_confirmation",)
            )
        return [_pending_trade(r) for r in rows]

    async def answer(self, *, user_id: str, trade_id: int, confirmed: bool) -> None:
        """Deliver a YES or NO; ``NotFoundError``/``ConflictError`` if nothing is waiting."""
        async with self._sessions() as session:
            row = await trades.user_trade(session, user_id=user_id, trade_id=trade_id)
        if row is None or row.workflow_id is None:
            raise NotFoundError(f"no trade {trade_id}")
        if row.status != "pending_confirmation":
            raise ConflictError(f"trade {trade_id} is {row.status}, not waiting for a reply")
        await self._signal(row, "answer", Answer(confirmed=confirmed))
        action = "trade_confirmed" if confirmed else "trade_declined"
        await self._audit(user_id, action, trade_id=row.id, symbol=row.symbol)

    async def close(self, *, user_id: str, symbol: str) -> PendingTrade | None:
        """Close the open position in ``symbol``; waits briefly for the exit to be stored."""
        rows = await self._active(user_id, ("open",), symbol)
        if not rows:
            return None
        row = rows[0]
        await self._signal(row, "close", CloseRequest("user"))
        await self._audit(user_id, "close_requested", trade_id=row.id, symbol=symbol)
        return _pending_trade(await self._wait_until_closed(row))

    async def move_stop(
        self, *, user_id: str, symbol: str, stop_loss: float
    ) -> PendingTrade | None:
        rows = await self._active(user_id, ("open",), symbol)
        if not rows:
            return None
        row = rows[0]
        reference = await self._prices.last_price(symbol) if self._prices is not None else None
        risk.validate_levels(
            side=row.side, reference=reference, stop_loss=stop_loss, take_profit=row.take_profit
        )
        await self._signal(row, "move_stop", MoveStop(stop_loss))
        await self._audit(user_id, "stop_move_requested", trade_id=row.id, stop_loss=stop_loss)
        return replace(_pending_trade(row), stop_loss=stop_loss)

    async def kill_switch(self, *, user_id: str) -> int:
        """Close every open position, cancel every pending one, refuse new ones today."""
        await self._audit(user_id, "kill_switch")
        closed = 0
        for row in await self._active(user_id, trades.ACTIVE_STATUSES, None):
            try:
                await self._signal(row, "close", CloseRequest("kill_switch"))
            except ConflictError:
                continue
            closed += row.status == "open"
        return closed

    async def positions(self, *, user_id: str) -> list[PendingTrade]:
        return [
            _pending_trade(r) for r in await self._active(user_id, trades.ACTIVE_STATUSES, None)
        ]

    # --- for the price watcher and the API -------------------------------------------

    async def state(self, trade_id: int, *, user_id: str) -> TradeState:
        """The workflow's live view of one trade (effective stop, best price ...)."""
        async with self._sessions() as session:
            row = await trades.user_trade(session, user_id=user_id, trade_id=trade_id)
        if row is None or row.workflow_id is None:
            raise NotFoundError(f"no trade {trade_id}")
        state: TradeState = await self._handle(row).query("state", result_type=TradeState)
        return state

    async def watch_entries(
        self, user_ids: list[str] | None = None, *, since_entry: bool = False
    ) -> list[WatchEntry]:
        """The open trades (of these users, or everyone's) for a :class:`PriceWatcher`
        (see :func:`~tradeassist.workflows.watchlist.open_entries`)."""
        return await open_entries(self._sessions, user_ids=user_ids, since_entry=since_entry)

    # --- helpers -----------------------------------------------------------------------

    def _handle(self, row: TradeRow) -> WorkflowHandle[object, object]:
        return self._client.get_workflow_handle(row.workflow_id or "")

    async def _signal(self, row: TradeRow, name: str, arg: object) -> None:
        try:
            await self._handle(row).signal(name, arg)
        except RPCError:
            raise ConflictError(f"trade {row.id} is no longer active") from None

    async def _active(
        self, user_id: str, statuses: tuple[str, ...], symbol: str | None
    ) -> list[TradeRow]:
        async with self._sessions() as session:
            return await trades.user_trades(
                session, user_id=user_id, statuses=statuses, symbol=symbol
            )

    async def _wait_until_closed(self, row: TradeRow) -> TradeRow:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._close_wait_s
        while loop.time() < deadline:
            async with self._sessions() as session:
                fresh = await trades.user_trade(session, user_id=row.user_id, trade_id=row.id)
            if fresh is not None and fresh.status != "open":
                return fresh
            await asyncio.sleep(_POLL_S)
        return row

    async def _kill_switch_on(self, user_id: str) -> bool:
        start = eastern_day_start(self._clock())
        async with self._sessions() as session:
            return await has_action(session, user_id=user_id, action="kill_switch", since=start)

    async def _audit(self, user_id: str, action: str, **details: object) -> None:
        async with self._writes.transaction() as session:
            await record_action(
                session, user_id=user_id, action=action, details=dict(details), at=self._clock()
            )
