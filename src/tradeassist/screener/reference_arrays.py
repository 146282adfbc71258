"""Reference data as the engine needs it: the source protocol, and per-slot arrays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["DayReferenceLike", "ReferenceSource", "reference_arrays"]


class DayReferenceLike(Protocol):
    """One day's reference: previous close (dollars) and average daily volume (shares)."""

    @property
    def prev_close(self) -> Mapping[str, float]: ...

    @property
    def avg_volume(self) -> Mapping[str, float]: ...


class ReferenceSource(Protocol):
    """Anything with ``for_day`` (``tradeassist.feeds.reference.ReferenceData`` is one)."""

    def for_day(self, day: dt.date) -> DayReferenceLike: ...


def _positive(
    values: Mapping[str, float | None], symbols: Sequence[str]
) -> npt.NDArray[np.float64]:
    """Each symbol's value, NaN where it is missing, None, not finite or not positive."""
    out = np.array([values.get(s) for s in symbols], dtype=np.float64)  # None: NaN
    with np.errstate(invalid="ignore"):
        out[~((out > 0) & np.isfinite(out))] = np.nan
    return out


def reference_arrays(
    day: DayReferenceLike | None, symbols: Sequence[str]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Previous close (dollars; NaN: unknown), the same in fixed-point 1e-9 (0: unknown),
    average daily volume (shares; NaN: unknown), one entry per symbol."""
    if day is None:
        nan = np.full(len(symbols), np.nan)
        return nan, np.zeros(len(symbols), np.int64), nan.copy()
    prev = _positive(day.prev_close, symbols)
    avg = _positive(day.avg_volume, symbols)
    fixed = np.where(np.isnan(prev), 0, np.round(np.nan_to_num(prev) * 1e9)).astype(np.int64)
    return prev, fixed, avg
