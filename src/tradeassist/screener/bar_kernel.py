"""Completing one-minute bars: the per-symbol bar state moved to an output buffer."""

from __future__ import annotations

from typing import Any

from tradeassist.screener.jit import kernel
from tradeassist.screener.layout import (
    BAR_CLOSE,
    BAR_HIGH,
    BAR_LOW,
    BAR_OPEN,
    BAR_PV,
    BAR_SLOT,
    BAR_START,
    BAR_TRADES,
    BAR_VOLUME,
    NO_HIGH,
    NS_PER_MINUTE,
    PV_DIVISOR,
    Q_LAST_PRINT,
    T_CLOSE,
    T_HIGH,
    T_LOW,
    T_MINUTE,
    T_OPEN,
    T_PV,
    T_TRADES,
    T_VOLUME,
)

__all__ = ["flush_bars"]

Array = Any  # numpy arrays; dtypes in the docstrings


@kernel
def flush_bars(before_minute: int, qt: Array, bt: Array, bars: Array, n: int) -> int:
    """Move every open bar whose minute is before ``before_minute`` to ``bars``; new count."""
    for s in range(bt.shape[0]):
        minute = bt[s, T_MINUTE]
        if minute < 0 or minute >= before_minute:
            continue
        volume = bt[s, T_VOLUME]
        if bt[s, T_OPEN] == NO_HIGH:  # no price print this minute: carry the last one
            o = qt[s, Q_LAST_PRINT]
            if o == NO_HIGH:  # none today yet: the minute's VWAP
                o = bt[s, T_PV] * PV_DIVISOR // volume if volume > 0 else 0
            bars[n, BAR_OPEN] = o
            bars[n, BAR_HIGH] = o
            bars[n, BAR_LOW] = o
            bars[n, BAR_CLOSE] = o
        else:
            bars[n, BAR_OPEN] = bt[s, T_OPEN]
            bars[n, BAR_HIGH] = bt[s, T_HIGH]
            bars[n, BAR_LOW] = bt[s, T_LOW]
            bars[n, BAR_CLOSE] = bt[s, T_CLOSE]
        bars[n, BAR_SLOT] = s
        bars[n, BAR_START] = minute * NS_PER_MINUTE
        bars[n, BAR_VOLUME] = volume
        bars[n, BAR_TRADES] = bt[s, T_TRADES]
        bars[n, BAR_PV] = bt[s, T_PV]
        bt[s, T_MINUTE] = -1
        n += 1
    return n
