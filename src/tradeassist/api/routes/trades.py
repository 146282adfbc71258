"""``/trades`` and ``/positions``: the caller's paper trades, and the open ones marked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from tradeassist.api.cursor import decode_cursor, encode_cursor
from tradeassist.api.deps import CurrentUser, UserSessionDep
from tradeassist.api.schemas.common import ERROR_RESPONSES
from tradeassist.api.schemas.trades import (
    PositionPublic,
    PositionsPublic,
    TradeListParams,
    TradePublic,
    TradesPublic,
)
from tradeassist.errors import NotFoundError
from tradeassist.store.trades import get_trade, last_closes, list_open_trades, list_trades

__all__ = ["router"]

router = APIRouter(tags=["trades"], responses=ERROR_RESPONSES)


@router.get("/trades", response_model=TradesPublic)
async def read_trades(
    user: CurrentUser, session: UserSessionDep, params: Annotated[TradeListParams, Query()]
) -> TradesPublic:
    """The caller's trades, newest first."""
    before = decode_cursor(params.cursor, "desc") if params.cursor else None
    rows = await list_trades(
        session,
        user_id=user.user_id,
        status=params.status,
        before_id=before,
        limit=params.limit + 1,
    )
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return TradesPublic(
        data=[TradePublic.from_row(r) for r in rows],
        count=len(rows),
        next_cursor=encode_cursor("desc", rows[-1].id) if more else None,
    )


@router.get("/trades/{trade_id}", response_model=TradePublic)
async def read_trade(
    user: CurrentUser,
    session: UserSessionDep,
    trade_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> TradePublic:
    """One of the caller's trades."""
    row = await get_trade(session, user_id=user.user_id, trade_id=trade_id)
    if row is None:
        raise NotFoundError(f"you have no trade {trade_id}")
    return TradePublic.from_row(row)


@router.get("/positions", response_model=PositionsPublic)
async def read_positions(user: CurrentUser, session: UserSessionDep) -> PositionsPublic:
    """The caller's open paper positions, marked to the last stored minute close."""
    rows = await list_open_trades(session, user_id=user.user_id)
    closes = await last_closes(session, [r.symbol for r in rows])
    positions = []
    for row in rows:
        last = closes.get(row.symbol)
        pnl = None
        if last is not None and row.entry_price is not None:
            direction = 1.0 if row.side == "long" else -1.0
            pnl = direction * (last - row.entry_price) * row.quantity
        positions.append(
            PositionPublic(
                trade_id=row.id,
                symbol=row.symbol,
                side=row.side,
                quantity=row.quantity,
                entry_price=row.entry_price,
                entry_time=row.entry_time,
                stop_loss=row.stop_loss,
                take_profit=row.take_profit,
                last_price=last,
                unrealized_pnl=pnl,
            )
        )
    return PositionsPublic(data=positions, count=len(positions))
