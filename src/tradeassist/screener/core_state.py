"""The engine's per-symbol state: dense slots, instrument-id lookup, state matrices.

Symbols get dense slots in order of first sight; a slot keeps its symbol for
the life of the engine. Instrument ids are unique within a day only, so a
remap points the id at another symbol's slot. Memory is O(slots): the state
matrices, the volume-window queues and the id table (dense while ids are small,
a sorted lookup past ``DENSE_ID_LIMIT``). Matrices are cache-line aligned so a
symbol's row never straddles more lines than it must.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from tradeassist.errors import ConfigError
from tradeassist.screener.layout import (
    MAX_WINDOW_SECONDS,
    NO_HIGH,
    NO_LOW,
    NO_TIME,
    Q_COLUMNS,
    Q_LAST_PRINT,
    S_HIGH,
    S_INT_COLUMNS,
    S_LOW,
    S_PM_HIGH,
    T_COLUMNS,
    T_MINUTE,
    UNDEF_PRICE,
)
from tradeassist.screener.record_words import as_words, to_mbp1

__all__ = ["DENSE_ID_LIMIT", "CoreState", "aligned_empty"]

DENSE_ID_LIMIT = 1 << 22  # a dense id table costs 4 bytes per possible id up to here
_ALIGN = 128  # two cache lines: a symbol's state row is one aligned pair

I64 = npt.NDArray[np.int64]


def aligned_empty(shape: tuple[int, ...], dtype: npt.DTypeLike) -> npt.NDArray[np.generic]:
    """An uninitialised array whose data starts on a cache-line boundary."""
    dt = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dt.itemsize
    raw = np.empty(nbytes + _ALIGN, dtype=np.uint8)
    offset = (-raw.ctypes.data) % _ALIGN
    return raw[offset : offset + nbytes].view(dt).reshape(shape)


def _reset_state(st: I64, qt: I64, bt: I64, queue: I64) -> None:
    st.fill(0)
    qt.fill(UNDEF_PRICE)
    qt[:, Q_LAST_PRINT] = NO_HIGH
    st[:, S_HIGH] = NO_HIGH
    st[:, S_LOW] = NO_LOW
    st[:, S_PM_HIGH] = NO_HIGH
    bt.fill(0)
    bt[:, T_MINUTE] = -1
    queue.fill(0)


class CoreState:
    """Slots, the id lookup and the state matrices the scan kernel updates in place."""

    def __init__(self, *, window_seconds: int, capacity: int = 1024) -> None:
        if not 1 <= window_seconds <= MAX_WINDOW_SECONDS:
            raise ConfigError(
                f"the volume-spike window must be 1 to {MAX_WINDOW_SECONDS} seconds,"
                f" not {window_seconds}"
            )
        self.window_seconds = window_seconds
        self.capacity = 0
        self.symbols: list[str] = []
        self._slot_of: dict[str, int] = {}
        self._ids: dict[int, int] = {}
        self._last_mapping: dict[int, str] = {}  # the mapping applied last
        self.id_table = np.full(1024, -1, dtype=np.int32)
        self._sparse_ids: I64 | None = None  # sorted ids when some id is past the limit
        self.st: I64 = np.empty((0, S_INT_COLUMNS), np.int64)
        self.qt: I64 = np.empty((0, Q_COLUMNS), np.int64)  # quote and last print per slot
        self.bt: I64 = np.empty((0, T_COLUMNS), np.int64)
        # Per slot a circular queue of packed (second, shares), one entry per distinct
        # second in the volume window: at most ``window_seconds`` entries, so a power of
        # two as large. Used only by symbols with many seconds in their window (window.py).
        self._queue_size = 1 << max(window_seconds - 1, 1).bit_length()
        self.queue: I64 = np.empty((0, self._queue_size), np.int64)
        self.clock = np.array([NO_TIME, -1, NO_TIME], dtype=np.int64)
        self._grow(capacity)

    @property
    def n_slots(self) -> int:
        return len(self.symbols)

    def map_symbols(self, mapping: Mapping[int, str]) -> list[int]:
        """Point each instrument id at its symbol's slot; returns the newly created slots."""
        if mapping == self._last_mapping:  # each day's start maps the file's ids again
            return []
        self._last_mapping = dict(mapping)
        new: list[int] = []
        # New symbols get slots in symbol order, so slots never depend on dict order.
        for raw_id, symbol in sorted(mapping.items(), key=itemgetter(1, 0)):
            slot = self._slot_of.get(symbol)
            if slot is None:
                slot = len(self.symbols)
                self.symbols.append(symbol)
                self._slot_of[symbol] = slot
                new.append(slot)
            self._ids[int(raw_id)] = slot
        if len(self.symbols) > self.capacity:
            self._grow(max(len(self.symbols), 2 * self.capacity))
        top = max((int(i) for i in mapping), default=0)
        if self._sparse_ids is None and top < DENSE_ID_LIMIT:
            if top >= self.id_table.shape[0]:
                bigger = np.full(max(top + 1, 2 * self.id_table.shape[0]), -1, np.int32)
                bigger[: self.id_table.shape[0]] = self.id_table
                self.id_table = bigger
            for raw_id in mapping:
                self.id_table[int(raw_id)] = self._ids[int(raw_id)]
        else:
            self._use_sparse_lookup()
        return new

    def kernel_ids(
        self, instrument_id: npt.NDArray[np.uint32]
    ) -> tuple[npt.NDArray[np.integer], npt.NDArray[np.int32]]:
        """The ids column and table the kernel indexes (``table[ids[i]]`` is the slot, -1: none)."""
        if self._sparse_ids is None:
            return instrument_id, self.id_table
        known = self._sparse_ids
        pos = np.minimum(np.searchsorted(known, instrument_id), known.shape[0] - 1)
        hit = known[pos] == instrument_id
        return np.where(hit, pos, known.shape[0]), self.id_table

    def kernel_words(
        self, records: npt.NDArray[np.void]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        """The batch as kernel words and the id table (``table[instrument_id]``: slot or -1).

        Past the dense limit, a copy of the batch carries each id's position in
        the sorted id list instead (unknown ids: the table's last entry, -1).
        """
        if self._sparse_ids is None:
            return as_words(records), self.id_table
        ids, table = self.kernel_ids(records["instrument_id"])
        copy = to_mbp1(records)
        copy["instrument_id"] = ids
        return as_words(copy), table

    def slots_for(self, instrument_id: npt.NDArray[np.uint32]) -> I64:
        """Slot of each id (-1: unmapped), vectorised; for the rare status records."""
        ids, table = self.kernel_ids(instrument_id)
        ids64 = np.asarray(ids, dtype=np.int64)
        inside = ids64 < table.shape[0]
        out = np.full(ids64.shape[0], -1, dtype=np.int64)
        out[inside] = table[ids64[inside]]
        return out

    def reset_day(self) -> None:
        """Forget everything about the previous day (the slots and ids stay)."""
        _reset_state(self.st, self.qt, self.bt, self.queue)
        self.clock[:] = (NO_TIME, -1, NO_TIME)

    def _grow(self, capacity: int) -> None:
        old = self.capacity
        st = aligned_empty((capacity, S_INT_COLUMNS), np.int64)
        qt = aligned_empty((capacity, Q_COLUMNS), np.int64)
        bt = aligned_empty((capacity, T_COLUMNS), np.int64)
        queue = aligned_empty((capacity, self._queue_size), np.int64)
        _reset_state(st, qt, bt, queue)  # type: ignore[arg-type]
        st[:old], qt[:old], bt[:old], queue[:old] = self.st, self.qt, self.bt, self.queue
        self.st, self.qt, self.bt, self.queue = st, qt, bt, queue  # type: ignore[assignment]
        self.capacity = capacity

    def _use_sparse_lookup(self) -> None:
        # Ids past the dense limit: a sorted id array and a table indexed by position
        # (its last entry, -1, is where unknown ids land).
        ids = np.array(sorted(self._ids), dtype=np.int64)
        table = np.full(ids.shape[0] + 1, -1, dtype=np.int32)
        table[:-1] = [self._ids[int(i)] for i in ids]
        self._sparse_ids, self.id_table = ids, table
