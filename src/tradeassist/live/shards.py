"""Splitting the symbol universe between screener processes by a stable hash.

Shard ``i`` of ``n`` keeps the symbols whose CRC-32 (of the UTF-8 symbol) is
``i`` modulo ``n``: the same on every machine and every run (Python's own
``hash`` of a string is salted per process). The screener's state is per
symbol, so ``n`` shards together raise exactly the alerts one process would.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.errors import InputError

__all__ = ["Shard", "ShardFilter", "parse_shard", "shard_of"]

_DENSE_LIMIT = 1 << 24  # instrument ids up to this get a lookup table; above, a sorted array


def shard_of(symbol: str, count: int) -> int:
    """The shard (0..count-1) that screens ``symbol``."""
    return zlib.crc32(symbol.encode("utf-8")) % count


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` of ``count`` (0 <= index < count)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise InputError(f"--shard must be i/N with 0 <= i < N, not {self.index}/{self.count}")

    def owns(self, symbol: str) -> bool:
        return shard_of(symbol, self.count) == self.index

    @property
    def label(self) -> str:
        return f"{self.index}of{self.count}"


def parse_shard(text: str) -> Shard:
    """``"i/N"`` as a Shard; raises InputError (one line) otherwise."""
    left, sep, right = text.partition("/")
    try:
        index, count = int(left), int(right)
    except ValueError:
        raise InputError(f"--shard must be i/N (e.g. 0/4), not {text!r}") from None
    if not sep:
        raise InputError(f"--shard must be i/N (e.g. 0/4), not {text!r}")
    return Shard(index, count)


class ShardFilter:
    """Which records and mappings a shard keeps (all of them without a shard)."""

    def __init__(self, shard: Shard | None) -> None:
        self._shard = shard
        self._kept: set[int] = set()
        self._table = np.zeros(0, dtype=np.bool_)
        self._sorted = np.zeros(0, dtype=np.uint32)

    @property
    def shard(self) -> Shard | None:
        return self._shard

    def mapping(self, symbols: Mapping[int, str]) -> dict[int, str]:
        """The part of an instrument-id mapping this shard screens; remembers it."""
        if self._shard is None:
            return dict(symbols)
        kept = {i: s for i, s in symbols.items() if self._shard.owns(s)}
        # A remapped id that now names another shard's symbol stops being ours.
        self._kept.difference_update(i for i in symbols if i not in kept)
        self._kept.update(kept)
        self._rebuild()
        return kept

    def keep(self, instrument_ids: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_] | None:
        """A mask of the records to keep, or None to keep every one."""
        if self._shard is None:
            return None
        if self._table.shape[0]:
            ids = instrument_ids.astype(np.int64)
            inside = ids < self._table.shape[0]
            mask = np.zeros(ids.shape[0], dtype=np.bool_)
            mask[inside] = self._table[ids[inside]]
            return mask
        return np.isin(instrument_ids, self._sorted)

    def _rebuild(self) -> None:
        top = max(self._kept, default=-1)
        if top < _DENSE_LIMIT:
            table = np.zeros(top + 1, dtype=np.bool_)
            table[list(self._kept)] = True
            self._table = table
        else:
            self._table = np.zeros(0, dtype=np.bool_)
            self._sorted = np.asarray(sorted(self._kept), dtype=np.uint32)
