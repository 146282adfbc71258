"""Trading-status records interleaved with a market-data stream, in the order Databento sends them.

Databento delivers halts and resumptions in their own schema (``status``), so a
replay that should raise ``trading_halt``/``trading_resume`` reads a status file
beside the MBP-1 or trades file. :func:`merge_status` splits the data batches
at each status record's ``ts_recv`` (Databento's index time, by which both
files are sorted; a status record goes before data records stamped at the same
time), so the engine sees one stream as a live session subscribed to both
schemas would.

Instrument ids are per dataset (and per day), so a status record's id is
translated through its symbol into the data file's id for that day; a symbol
the data file does not carry gets an id that maps to nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["NO_INSTRUMENT", "Piece", "merge_status", "translate_ids"]

NO_INSTRUMENT = np.iinfo(np.uint32).max  # an id no symbology maps
NS_PER_DAY = 86_400 * 1_000_000_000

Records = npt.NDArray[np.void]
Piece = tuple[Literal["data", "status"], Records]
Symbology = Callable[[dt.date], Mapping[int, str]]


def translate_ids(status: Records, source: Symbology, target: Symbology) -> Records:
    """A copy of ``status`` with each instrument id moved from ``source``'s ids to ``target``'s.

    Both symbologies map instrument id -> symbol for a UTC date.
    """
    out = status.copy()
    ids = out["instrument_id"]
    days = out["ts_event"].astype(np.int64) // NS_PER_DAY
    for day_number in np.unique(days).tolist():
        day = dt.date(1970, 1, 1) + dt.timedelta(days=day_number)
        to_target = {symbol: iid for iid, symbol in target(day).items()}
        names = source(day)
        rows = np.flatnonzero(days == day_number)
        ids[rows] = [
            to_target.get(names.get(int(iid), ""), NO_INSTRUMENT) for iid in ids[rows].tolist()
        ]
    return out


def merge_status(data: Iterable[Records], status: Iterable[Records]) -> Iterator[Piece]:
    """The data batches and status records as one stream of pieces, in ``ts_recv`` order.

    A data batch is valid only until the next piece is asked for (as the
    reader's batches are); status pieces are copies.
    """
    waiting = _StatusQueue(iter(status))
    for batch in data:
        if batch.shape[0] == 0:
            continue
        # A running maximum keeps the cut points right if a file is not perfectly sorted.
        recv = np.maximum.accumulate(batch["ts_recv"].astype(np.uint64))
        start = 0
        while (head := waiting.peek()) is not None and head <= int(recv[-1]):
            cut = int(np.searchsorted(recv, np.uint64(head), side="left"))
            if cut > start:
                yield "data", batch[start:cut]
                start = cut
            yield "status", waiting.take_until(int(recv[start]))
        if start < batch.shape[0]:
            yield "data", batch[start:]
    while (rest := waiting.take_all()) is not None:
        yield "status", rest


class _StatusQueue:
    """Status records not yet merged, pulled from their file batch by batch."""

    def __init__(self, batches: Iterator[Records]) -> None:
        self._batches = batches
        self._pending: Records | None = None

    def peek(self) -> int | None:
        """``ts_recv`` of the next status record (None: there are no more)."""
        while self._pending is None or self._pending.shape[0] == 0:
            nxt = next(self._batches, None)
            if nxt is None:
                return None
            self._pending = nxt.copy()
        return int(self._pending["ts_recv"][0])

    def take_until(self, ts_recv: int) -> Records:
        """The waiting records stamped at or before ``ts_recv`` (at least one)."""
        assert self._pending is not None
        recv = self._pending["ts_recv"].astype(np.uint64)
        count = max(int(np.searchsorted(recv, np.uint64(ts_recv), side="right")), 1)
        taken, self._pending = self._pending[:count], self._pending[count:]
        return taken

    def take_all(self) -> Records | None:
        if self.peek() is None:
            return None
        assert self._pending is not None
        taken, self._pending = self._pending, None
        return taken
