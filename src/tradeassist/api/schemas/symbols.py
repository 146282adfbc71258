"""Symbols the store has seen, and their one-minute bars."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tradeassist.api.times import from_ns
from tradeassist.domain.bars import Bar

__all__ = ["BarPublic", "BarsPublic", "SymbolSearchParams", "SymbolsPublic"]


class SymbolSearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(
        default="",
        max_length=32,
        pattern=r"^[A-Za-z0-9.\-/ ]*$",
        description="Ticker prefix, case-insensitive.",
    )
    limit: int = Field(default=20, ge=1, le=200)


class SymbolsPublic(BaseModel):
    data: list[str]
    count: int


class BarPublic(BaseModel):
    """One minute: prices in dollars, volume in shares; ``start`` is the minute's first instant."""

    start: datetime
    start_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: int
    trades: int
    vwap: float | None

    @classmethod
    def from_bar(cls, bar: Bar) -> BarPublic:
        return cls(
            start=from_ns(bar.start_ns),
            start_ns=bar.start_ns,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            trades=bar.trades,
            vwap=bar.vwap if math.isfinite(bar.vwap) else None,
        )


class BarsPublic(BaseModel):
    symbol: str
    data: list[BarPublic]
    count: int
