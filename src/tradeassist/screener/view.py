"""What a detector sees of one batch: read-only columns, one row per trade.

The engine's scan computes these columns once per batch, sequentially and with
state carried across batches, so every detector shares them and none has to
re-derive a running figure. Rows are the batch's trades (``action == 'T'``
with a defined price) of mapped symbols between 04:00 and 20:00 ET, in file
order; quotes only update the ``bid``/``ask`` columns. The arrays are views of
buffers the engine reuses: valid during ``detect`` only, never to be kept.

Units: prices are Databento fixed-point integers (1e-9 dollars; ``vwap`` is a
float in the same unit), times UTC nanoseconds, volumes shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.screener.layout import (
    B_ELIGIBLE,
    B_PRINT,
    NO_HIGH,
    NO_LOW,
    PHASE_AFTER_HOURS,
    PHASE_OUTSIDE,
    PHASE_PREMARKET,
    PHASE_REGULAR,
    R_ASK,
    R_BID,
    R_COLUMNS,
    R_DAY_VOLUME,
    R_HIGH,
    R_LOW,
    R_PM_HIGH,
    R_PRICE,
    R_RECORD,
    R_SIZE,
    R_SLOT,
    R_TS,
    R_WINDOW_VOLUME,
    UNDEF_PRICE,
)

__all__ = [
    "NO_HIGH",
    "NO_LOW",
    "PHASE_AFTER_HOURS",
    "PHASE_OUTSIDE",
    "PHASE_PREMARKET",
    "PHASE_REGULAR",
    "R_COLUMNS",
    "UNDEF_PRICE",
    "BatchView",
    "StatusView",
    "batch_view",
]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class BatchView:
    """The trades of one batch with the engine's shared figures, as of each trade.

    - ``record_index``: position of the trade in the batch (``records``).
    - ``slot``: dense symbol index (``state.symbols[slot]`` is the symbol).
    - ``ts_event``, ``price``, ``size``: the trade itself.
    - ``is_print``: a price print (at least the minimum trade size, not late).
    - ``eligible``: a price print that passes the global filters (min price,
      min day volume, max spread); only these may trigger an alert.
    - ``phase``: PHASE_PREMARKET, PHASE_REGULAR or PHASE_AFTER_HOURS.
    - ``vwap``: regular-session VWAP of all trades before this one (NaN: none).
    - ``high`` / ``low``: regular-session high/low of price prints before this
      one (NO_HIGH / NO_LOW: none); ``premarket_high`` likewise for 04:00-open.
    - ``day_volume`` / ``window_volume``: shares today / in the trailing
      volume window, this trade included.
    - ``bid`` / ``ask``: the latest trusted quote (UNDEF_PRICE: none).
    """

    records: npt.NDArray[np.void]
    record_index: I64
    slot: I64
    ts_event: I64
    price: I64
    size: I64
    is_print: npt.NDArray[np.bool_]
    eligible: npt.NDArray[np.bool_]
    phase: npt.NDArray[np.int8]
    vwap: npt.NDArray[np.float64]
    high: I64
    low: I64
    premarket_high: I64
    day_volume: I64
    window_volume: I64
    bid: I64
    ask: I64

    def __len__(self) -> int:
        return int(self.slot.shape[0])


@dataclass(frozen=True, slots=True)
class StatusView:
    """Trading-status records of mapped symbols (Databento ``status`` schema).

    ``action`` and ``reason`` are Databento's ``StatusAction`` and
    ``StatusReason`` codes; ``is_trading`` is ``b"Y"``, ``b"N"`` or ``b"~"``.
    """

    records: npt.NDArray[np.void]
    record_index: I64
    slot: I64
    ts_event: I64
    action: npt.NDArray[np.uint16]
    reason: npt.NDArray[np.uint16]
    is_trading: npt.NDArray[np.bytes_]

    def __len__(self) -> int:
        return int(self.slot.shape[0])


def batch_view(
    records: npt.NDArray[np.void],
    rows: I64,
    flags: npt.NDArray[np.bool_],
    phase: npt.NDArray[np.int8],
    vwap: npt.NDArray[np.float64],
    n: int,
) -> BatchView:
    """Read-only views of the first ``n`` trade rows the scan kernel wrote."""
    r, f = rows[:, :n], flags[:, :n]
    cols = [
        r[R_RECORD],
        r[R_SLOT],
        r[R_TS],
        r[R_PRICE],
        r[R_SIZE],
        f[B_PRINT],
        f[B_ELIGIBLE],
        phase[:n],
        vwap[:n],
        r[R_HIGH],
        r[R_LOW],
        r[R_PM_HIGH],
        r[R_DAY_VOLUME],
        r[R_WINDOW_VOLUME],
        r[R_BID],
        r[R_ASK],
    ]
    for col in cols:
        col.flags.writeable = False
    return BatchView(records, *cols)
