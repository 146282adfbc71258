"""Records in flight: parallel column arrays, the per-symbol carry, the path inputs.

Prices are fixed-point 1e-9 dollars, sizes shares, times UTC nanoseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

__all__ = ["ACTION_TRADE", "WINDOW_BUCKETS", "Carry", "Columns", "PathInput"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

ACTION_TRADE = ord("T")
WINDOW_BUCKETS = 7  # 10 s volume buckets a trailing 60 s window can touch


@dataclass(slots=True)
class Columns:
    """Records as parallel arrays; ``ts`` is the record's slot time (its ``ts_event``
    unless ``late``), prices are fixed-point 1e-9 dollars, sizes shares."""

    ts: I64
    sym: I64
    late: B
    price: I64
    size: I64
    action: npt.NDArray[np.uint8]
    side: npt.NDArray[np.uint8]
    bid: I64
    ask: I64
    bid_sz: I64
    ask_sz: I64
    bid_ct: I64
    ask_ct: I64

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: npt.NDArray[np.int64] | B) -> Columns:
        return Columns(*(getattr(self, f.name)[index] for f in fields(self)))

    @staticmethod
    def empty() -> Columns:
        i = np.zeros(0, dtype=np.int64)
        u = np.zeros(0, dtype=np.uint8)
        return Columns(i, i, np.zeros(0, dtype=np.bool_), i, i, u, u, i, i, i, i, i, i)

    @staticmethod
    def concat(parts: list[Columns]) -> Columns:
        return Columns(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Columns))
        )

    @property
    def is_trade(self) -> B:
        return np.asarray(self.action == ACTION_TRADE)


@dataclass(slots=True)
class Carry:
    """Per symbol, what one time slice hands to the next: the latest quote, and the
    volume (shares) of its last ``WINDOW_BUCKETS - 1`` trading buckets, by bucket index."""

    has_quote: B
    bid: I64
    ask: I64
    bid_sz: I64
    ask_sz: I64
    bid_ct: I64
    ask_ct: I64
    ring_bucket: I64
    ring_volume: F64

    @classmethod
    def empty(cls, count: int) -> Carry:
        def z() -> I64:
            return np.zeros(count, dtype=np.int64)

        return cls(
            np.zeros(count, dtype=np.bool_),
            z(),
            z(),
            z(),
            z(),
            z(),
            z(),
            np.full((count, WINDOW_BUCKETS - 1), -(2**40), dtype=np.int64),
            np.zeros((count, WINDOW_BUCKETS - 1), dtype=np.float64),
        )


@dataclass(slots=True)
class PathInput:
    """What shapes the records of a batch, one entry per record (or one scalar for all).

    ``center``/``lo``/``hi`` are fractions of the previous close; ``scale`` multiplies
    the symbol's oscillation; ``fixed_size`` > 0 forces a trade's size (shares);
    ``must_print`` trades are never odd lots.
    """

    center: F64 | float
    lo: F64 | float
    hi: F64 | float
    scale: F64 | float
    fixed_size: I64 | None = None
    must_print: B | None = None
