"""Completed one-minute bars from the kernel's rows to :class:`Bar` values."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tradeassist.domain.bars import Bar
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
    PV_DIVISOR,
)

__all__ = ["bars_to_domain"]

_SCALE = 1e9


def bars_to_domain(bars: npt.NDArray[np.int64], symbols: Sequence[str]) -> list[Bar]:
    """Bars in the kernel's layout as :class:`Bar` values: prices in dollars, volume shares."""
    out: list[Bar] = []
    micro = _SCALE / PV_DIVISOR
    for row in bars.tolist():
        volume = row[BAR_VOLUME]
        close = row[BAR_CLOSE] / _SCALE
        out.append(
            Bar(
                symbol=symbols[row[BAR_SLOT]],
                start_ns=row[BAR_START],
                open=row[BAR_OPEN] / _SCALE,
                high=row[BAR_HIGH] / _SCALE,
                low=row[BAR_LOW] / _SCALE,
                close=close,
                volume=volume,
                trades=row[BAR_TRADES],
                vwap=row[BAR_PV] / volume / micro if volume > 0 else close,
            )
        )
    return out
