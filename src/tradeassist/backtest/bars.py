"""One symbol's one-minute bars as numpy columns, the form grading works on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.domain.bars import Bar

__all__ = ["BarArrays"]


@dataclass(frozen=True, slots=True)
class BarArrays:
    """Bars of one symbol, oldest first: ``start`` in UTC ns, prices in dollars."""

    start: npt.NDArray[np.int64]
    open: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    close: npt.NDArray[np.float64]

    @classmethod
    def of(cls, bars: Sequence[Bar]) -> BarArrays:
        """From Bar objects of one symbol, in any order."""
        ordered = sorted(bars, key=lambda b: b.start_ns)
        return cls(
            np.array([b.start_ns for b in ordered], np.int64),
            np.array([b.open for b in ordered], np.float64),
            np.array([b.high for b in ordered], np.float64),
            np.array([b.low for b in ordered], np.float64),
            np.array([b.close for b in ordered], np.float64),
        )

    def __len__(self) -> int:
        return int(self.start.shape[0])

    def part(self, lo: int, hi: int | None = None) -> BarArrays:
        """Bars ``lo`` to ``hi`` (exclusive), as views."""
        s = slice(lo, hi)
        return BarArrays(self.start[s], self.open[s], self.high[s], self.low[s], self.close[s])

    def index(self, start_ns: int, side: str = "left") -> int:
        """Where a bar starting at ``start_ns`` is or would go (``np.searchsorted``)."""
        return int(np.searchsorted(self.start, start_ns, "left" if side == "left" else "right"))


@dataclass(frozen=True, slots=True)
class BarTable:
    """Bars of many symbols, sorted by (``code``, start): ``code`` numbers the symbol."""

    code: npt.NDArray[np.int64]
    bars: BarArrays

    @classmethod
    def single(cls, bars: BarArrays) -> BarTable:
        """One symbol's bars, as code 0."""
        return cls(np.zeros(len(bars), np.int64), bars)

    def __len__(self) -> int:
        return int(self.code.shape[0])
