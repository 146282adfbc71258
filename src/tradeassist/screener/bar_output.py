"""Completed one-minute bars as columns (:class:`BarSet`), the form the engine hands out.

The engine's kernel writes completed bars as int64 rows (``layout.BAR_*``);
a :class:`BarSet` keeps them as they are, one numpy column per field, and
every consumer (the backtest, the live bar writer, ``replay --store``) works
on the columns. :class:`~tradeassist.domain.bars.Bar` objects are made only
where a few are wanted (:meth:`BarSet.to_bars`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.domain.bars import Bar
from tradeassist.screener.layout import (
    BAR_CLOSE,
    BAR_COLUMNS,
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

__all__ = ["BarSet"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
_SCALE = 1e9
_MICRO = _SCALE / PV_DIVISOR
_EXACT = float(2**53)  # integers up to this convert to float64 exactly


@dataclass(frozen=True, slots=True)
class BarSet:
    """Completed bars, in the order the engine completed them.

    Bar ``i`` is of ``symbols[slot[i]]`` and starts at ``start[i]`` (UTC ns);
    ``open``..``close`` are fixed-point prices (1e-9 dollars), ``volume`` shares,
    ``trades`` a count and ``pv`` the minute's price x volume in micro-dollars.
    The columns may be views of one row-major block.
    """

    symbols: tuple[str, ...]
    slot: I64
    start: I64
    open: I64
    high: I64
    low: I64
    close: I64
    volume: I64
    trades: I64
    pv: I64

    @classmethod
    def of_rows(cls, rows: I64, symbols: Sequence[str]) -> BarSet:
        """From the kernel's rows (shape ``(n, BAR_COLUMNS)``), kept as views."""
        return cls(
            tuple(symbols),
            *(rows[:, k] for k in (BAR_SLOT, BAR_START, BAR_OPEN, BAR_HIGH, BAR_LOW)),
            *(rows[:, k] for k in (BAR_CLOSE, BAR_VOLUME, BAR_TRADES, BAR_PV)),
        )

    @classmethod
    def empty(cls, symbols: Sequence[str] = ()) -> BarSet:
        return cls.of_rows(np.empty((0, BAR_COLUMNS), np.int64), symbols)

    @classmethod
    def of_bars(cls, bars: Sequence[Bar]) -> BarSet:
        """From :class:`Bar` values (tests, tools); prices rounded to 1e-9 dollars."""
        names: dict[str, int] = {}
        rows = np.empty((len(bars), BAR_COLUMNS), np.int64)
        for i, b in enumerate(bars):
            rows[i, BAR_SLOT] = names.setdefault(b.symbol, len(names))
            rows[i, BAR_START] = b.start_ns
            for k, price in ((BAR_OPEN, b.open), (BAR_HIGH, b.high), (BAR_LOW, b.low)):
                rows[i, k] = round(price * _SCALE)
            rows[i, BAR_CLOSE] = round(b.close * _SCALE)
            rows[i, BAR_VOLUME], rows[i, BAR_TRADES] = b.volume, b.trades
            rows[i, BAR_PV] = round(b.vwap * b.volume * _MICRO)
        return cls.of_rows(rows, list(names))

    @staticmethod
    def concat(sets: Sequence[BarSet]) -> BarSet:
        """One set of several, in order; the symbol lists must agree on shared slots
        (the engine's only grow), so the longest names every slot."""
        live = [s for s in sets if len(s)]
        if not live:
            return sets[-1] if sets else BarSet.empty()
        if len(live) == 1:
            return live[0]
        names = max((s.symbols for s in live), key=len)
        columns = [np.concatenate([getattr(s, f) for s in live]) for f in _COLUMN_NAMES]
        return BarSet(names, *columns)

    def __len__(self) -> int:
        return int(self.slot.shape[0])

    def part(self, lo: int, hi: int) -> BarSet:
        """Bars ``lo`` to ``hi`` (exclusive), as views."""
        return BarSet(self.symbols, *(getattr(self, f)[lo:hi] for f in _COLUMN_NAMES))

    def names(self) -> list[str]:
        """Each bar's symbol."""
        symbols = self.symbols
        return [symbols[s] for s in self.slot.tolist()]

    def prices(self, index: I64 | None = None) -> F64:
        """Open, high, low and close in dollars as the columns of an ``(n, 4)`` array;
        of the bars at ``index`` only, when given."""
        n = len(self) if index is None else int(index.shape[0])
        out = np.empty((n, 4), np.float64)
        for k, column in enumerate((self.open, self.high, self.low, self.close)):
            np.divide(column if index is None else column[index], _SCALE, out=out[:, k])
        return out

    def vwap(self) -> F64:
        """The minute's VWAP in dollars (the close when nothing traded).

        Equal to ``pv / volume / 1e6`` computed on Python ints (a correctly
        rounded quotient), also where the integers exceed float64's 2**53.
        """
        volume = self.volume.astype(np.float64)
        pv = self.pv.astype(np.float64)
        traded = volume > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(traded, pv / np.where(traded, volume, 1.0), 0.0) / _MICRO
        big = np.flatnonzero(traded & ((np.abs(pv) > _EXACT) | (volume > _EXACT)))
        for i in big.tolist():
            out[i] = int(self.pv[i]) / int(self.volume[i]) / _MICRO
        return np.where(traded, out, self.close / _SCALE)

    def to_bars(self) -> list[Bar]:
        """As :class:`Bar` values (for the few places that want objects)."""
        prices = self.prices().tolist()
        return [
            Bar(name, start, o, h, low, c, volume, trades, vwap)
            for name, start, (o, h, low, c), volume, trades, vwap in zip(
                self.names(),
                self.start.tolist(),
                prices,
                self.volume.tolist(),
                self.trades.tolist(),
                self.vwap().tolist(),
                strict=True,
            )
        ]


_COLUMN_NAMES = ("slot", "start", "open", "high", "low", "close", "volume", "trades", "pv")
