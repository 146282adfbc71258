"""Trades and open positions of one user, as the API reads them.

Filtered on ``user_id`` here and, on PostgreSQL, by row-level security in
the caller's transaction. Prices in dollars, quantities in shares.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import BarRow, TradeRow

__all__ = ["get_trade", "last_closes", "list_open_trades", "list_trades"]


async def list_trades(
    session: AsyncSession,
    *,
    user_id: str,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[TradeRow]:
    """The user's trades, newest first; ``before_id`` pages back."""
    query = select(TradeRow).where(TradeRow.user_id == user_id)
    if status is not None:
        query = query.where(TradeRow.status == status)
    if before_id is not None:
        query = query.where(TradeRow.id < before_id)
    return list((await session.scalars(query.order_by(TradeRow.id.desc()).limit(limit))).all())


async def get_trade(session: AsyncSession, *, user_id: str, trade_id: int) -> TradeRow | None:
    """One of the user's trades, or None (also when it is someone else's)."""
    query = select(TradeRow).where(TradeRow.id == trade_id, TradeRow.user_id == user_id)
    return (await session.scalars(query)).first()


async def list_open_trades(session: AsyncSession, *, user_id: str) -> list[TradeRow]:
    """The user's open trades (the positions), oldest first."""
    query = (
        select(TradeRow)
        .where(TradeRow.user_id == user_id, TradeRow.status == "open")
        .order_by(TradeRow.id)
    )
    return list((await session.scalars(query)).all())


async def last_closes(session: AsyncSession, symbols: list[str]) -> dict[str, float]:
    """The close of each symbol's latest stored one-minute bar (dollars), where there is one."""
    closes: dict[str, float] = {}
    for symbol in dict.fromkeys(symbols):
        row = (
            await session.scalars(
                select(BarRow).where(BarRow.symbol == symbol).order_by(BarRow.start.desc()).limit(1)
            )
        ).first()
        if row is not None and isinstance(row.bar.get("c"), int | float):
            closes[symbol] = float(row.bar["c"])
    return closes
