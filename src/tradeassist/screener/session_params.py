"""One trading day's parameters as the scan kernel reads them (``prm[P_*]``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradeassist.market_calendar import Session
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.layout import (
    NS_PER_SECOND,
    P_AFTER_HOURS_CLOSE,
    P_BARS,
    P_CLOSE,
    P_COLUMNS,
    P_DAY_END,
    P_LATE_NS,
    P_MIN_DAY_VOLUME,
    P_MIN_PRICE,
    P_MIN_TRADE_SIZE,
    P_OPEN,
    P_PREMARKET_OPEN,
    P_WINDOW_SECONDS,
)

__all__ = ["LATE_PRINT_SECONDS", "day_parameters"]

LATE_PRINT_SECONDS = 10  # ts_recv - ts_event beyond this: a late print


def day_parameters(
    config: ScreenerConfig, session: Session | None, start_ns: int, end_ns: int, bars: bool
) -> npt.NDArray[np.int64]:
    """Session bounds (UTC ns) and thresholds; without a session no record is in any phase."""
    prm = np.zeros(P_COLUMNS, dtype=np.int64)
    prm[P_DAY_END] = end_ns
    if session is None:
        prm[P_PREMARKET_OPEN] = prm[P_OPEN] = prm[P_CLOSE] = prm[P_AFTER_HOURS_CLOSE] = start_ns
    else:
        prm[P_PREMARKET_OPEN] = session.premarket_open_ns
        prm[P_OPEN] = session.open_ns
        prm[P_CLOSE] = session.close_ns
        prm[P_AFTER_HOURS_CLOSE] = session.after_hours_close_ns
    prm[P_MIN_TRADE_SIZE] = config.min_trade_size
    prm[P_LATE_NS] = LATE_PRINT_SECONDS * NS_PER_SECOND
    prm[P_MIN_PRICE] = round(config.min_price * 1e9)
    prm[P_MIN_DAY_VOLUME] = config.min_day_volume
    prm[P_BARS] = int(bars)
    prm[P_WINDOW_SECONDS] = config.volume_spike_window_seconds
    return prm
