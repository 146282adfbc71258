"""Paper trades and the open positions they make."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradeassist.store.tables import TradeRow

__all__ = ["PositionPublic", "PositionsPublic", "TradeListParams", "TradePublic", "TradesPublic"]

TradeStatus = Literal["pending_confirmation", "open", "closed", "cancelled", "expired"]


class TradePublic(BaseModel):
    """One paper trade: prices in dollars, quantity in shares, ``pnl`` in dollars."""

    id: int
    symbol: str
    side: str
    quantity: float
    entry_price: float | None
    exit_price: float | None
    entry_time: datetime | None
    exit_time: datetime | None
    stop_loss: float | None
    take_profit: float | None
    trailing_stop_pct: float | None
    status: str
    alert_id: int | None
    pnl: float | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: TradeRow) -> TradePublic:
        return cls(
            id=row.id,
            symbol=row.symbol,
            side=row.side,
            quantity=row.quantity,
            entry_price=row.entry_price,
            exit_price=row.exit_price,
            entry_time=row.entry_time,
            exit_time=row.exit_time,
            stop_loss=row.stop_loss,
            take_profit=row.take_profit,
            trailing_stop_pct=row.trailing_stop_pct,
            status=row.status,
            alert_id=row.alert_id,
            pnl=row.pnl,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class TradesPublic(BaseModel):
    data: list[TradePublic]
    count: int
    next_cursor: str | None = None


class TradeListParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TradeStatus | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = Field(default=None, max_length=200)


class PositionPublic(BaseModel):
    """An open trade, marked to the last stored one-minute close when there is one."""

    trade_id: int
    symbol: str
    side: str
    quantity: float
    entry_price: float | None
    entry_time: datetime | None
    stop_loss: float | None
    take_profit: float | None
    last_price: float | None = Field(description="Close of the latest stored minute bar.")
    unrealized_pnl: float | None = Field(description="Dollars, at last_price.")


class PositionsPublic(BaseModel):
    data: list[PositionPublic]
    count: int
    paper_trading: bool = Field(default=True, description="Always true: no real orders are sent.")
