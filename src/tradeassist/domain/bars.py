"""One-minute OHLCV bars, as the screener builds them for ``market_data_cache``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Bar"]


@dataclass(frozen=True, slots=True)
class Bar:
    """A completed one-minute bar: prices in dollars, volume in shares.

    ``start_ns`` is the minute's first nanosecond (UTC, since the epoch).
    """

    symbol: str
    start_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: int
    trades: int
    vwap: float
