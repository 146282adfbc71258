"""The ``trades`` rows as the lifecycle workflow writes them.

Every write is keyed by the workflow id and moves the row from one status to
the next only if it is still in the expected status, so an activity that is
retried (or replayed after a worker crash) changes nothing the second time;
``changed`` tells the caller whether this call did the work. Prices dollars,
quantities shares, times aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import TradeRow
from tradeassist.store.upsert import insert_for

__all__ = [
    "ACTIVE_STATUSES",
    "insert_pending",
    "mark_closed",
    "mark_ended",
    "mark_open",
    "open_trades",
    "realized_pnl_since",
    "set_stop",
    "trade_by_workflow",
    "user_trade",
    "user_trades",
]

#: Trades that still have a workflow waiting on them.
ACTIVE_STATUSES = ("pending_confirmation", "open")


async def trade_by_workflow(session: AsyncSession, workflow_id: str) -> TradeRow | None:
    """The trade written by the workflow ``workflow_id``, or None."""
    return cast(
        TradeRow | None,
        await session.scalar(select(TradeRow).where(TradeRow.workflow_id == workflow_id)),
    )


async def _one(session: AsyncSession, workflow_id: str) -> TradeRow:
    row = await trade_by_workflow(session, workflow_id)
    if row is None:
        raise LookupError(f"no trade for workflow {workflow_id}")
    await session.refresh(row)
    return row


async def insert_pending(
    session: AsyncSession,
    *,
    workflow_id: str,
    user_id: str,
    symbol: str,
    side: str,
    quantity: int,
    stop_loss: float | None = None,
    take_profit: float | None = None,
    trailing_stop_pct: float | None = None,
    alert_id: int | None = None,
) -> tuple[TradeRow, bool]:
    """The pending trade of ``workflow_id``, inserted unless it exists: (row, inserted)."""
    dialect = session.get_bind().dialect.name
    statement = (
        insert_for(dialect, cast(Any, TradeRow.__table__))
        .values(
            workflow_id=workflow_id,
            user_id=user_id,
            symbol=symbol,
            side=side,
            quantity=quantity,
            stop_loss=stop_loss,
            take_profit=take_profit,
            trailing_stop_pct=trailing_stop_pct,
            alert_id=alert_id,
            status="pending_confirmation",
        )
        .on_conflict_do_nothing(index_elements=["workflow_id"])
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    return await _one(session, workflow_id), result.rowcount == 1


async def _move(
    session: AsyncSession, workflow_id: str, from_status: str, **values: Any
) -> tuple[TradeRow, bool]:
    statement = (
        update(TradeRow)
        .where(TradeRow.workflow_id == workflow_id, TradeRow.status == from_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    return await _one(session, workflow_id), result.rowcount == 1


async def mark_open(
    session: AsyncSession, *, workflow_id: str, price: float, at: datetime
) -> tuple[TradeRow, bool]:
    """pending_confirmation -> open, filled at ``price``."""
    return await _move(
        session,
        workflow_id,
        "pending_confirmation",
        status="open",
        entry_price=price,
        entry_time=at,
    )


async def mark_closed(
    session: AsyncSession, *, workflow_id: str, price: float, at: datetime, pnl: float
) -> tuple[TradeRow, bool]:
    """open -> closed, filled at ``price``, with the realized ``pnl``."""
    return await _move(
        session, workflow_id, "open", status="closed", exit_price=price, exit_time=at, pnl=pnl
    )


async def mark_ended(
    session: AsyncSession, *, workflow_id: str, status: str
) -> tuple[TradeRow, bool]:
    """pending_confirmation -> ``status`` (cancelled or expired): nothing was entered."""
    if status not in ("cancelled", "expired"):
        raise ValueError(f"a pending trade cannot end as {status!r}")
    return await _move(session, workflow_id, "pending_confirmation", status=status)


async def set_stop(session: AsyncSession, *, workflow_id: str, stop_loss: float) -> bool:
    """Store the open trade's current stop; False when it is no longer open."""
    _, changed = await _move(session, workflow_id, "open", stop_loss=stop_loss)
    return changed


async def realized_pnl_since(session: AsyncSession, *, user_id: str, since: datetime) -> float:
    """Sum of the P&L (dollars) of the user's trades closed at or after ``since``."""
    total = await session.scalar(
        select(func.coalesce(func.sum(TradeRow.pnl), 0.0)).where(
            TradeRow.user_id == user_id,
            TradeRow.status == "closed",
            TradeRow.exit_time >= since,
        )
    )
    return float(total or 0.0)


async def user_trades(
    session: AsyncSession,
    *,
    user_id: str,
    statuses: Sequence[str] = ACTIVE_STATUSES,
    symbol: str | None = None,
) -> list[TradeRow]:
    """The user's trades in ``statuses`` (optionally one symbol), oldest first."""
    query = select(TradeRow).where(TradeRow.user_id == user_id, TradeRow.status.in_(statuses))
    if symbol is not None:
        query = query.where(TradeRow.symbol == symbol)
    return list((await session.scalars(query.order_by(TradeRow.id))).all())


async def user_trade(session: AsyncSession, *, user_id: str, trade_id: int) -> TradeRow | None:
    """One of the user's trades by id (None also when it is someone else's)."""
    return cast(
        TradeRow | None,
        await session.scalar(
            select(TradeRow).where(TradeRow.id == trade_id, TradeRow.user_id == user_id)
        ),
    )


async def open_trades(
    session: AsyncSession, *, user_ids: Sequence[str] | None = None
) -> list[TradeRow]:
    """Every open trade (of ``user_ids`` when given), oldest first."""
    query = select(TradeRow).where(TradeRow.status == "open")
    if user_ids is not None:
        query = query.where(TradeRow.user_id.in_(list(user_ids)))
    return list((await session.scalars(query.order_by(TradeRow.id))).all())
