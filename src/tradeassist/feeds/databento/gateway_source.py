"""What the loopback gateway serves: MBP-1 records in order, and a market clock.

A :class:`RecordSource` hands out the records of a DBN file (or an array) from
the start, as often as sessions ask, with the symbol mappings the file
carries, and the trading-status records (halts) to merge in for sessions that
subscribe to ``status`` (None: the dataset has no status, as EQUS.MINI).
The :class:`MarketClock` says how many of them the "market" has published so
far: at ``rate`` records per second from the moment it starts, or all of them
at once. The market runs whether or not a client is
connected, so a client that comes back late has a gap that only an intraday
replay (``start=``) recovers, exactly as with Databento's own gateway.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.databento import parsing
from tradeassist.feeds.dbn_file import open_dbn
from tradeassist.feeds.status_merge import translate_ids

__all__ = ["ArraySource", "FileSource", "MarketClock", "RecordSource"]

Symbology = Callable[[dt.date], Mapping[int, str]]
_DAY_NS = 86_400 * 1_000_000_000
_EPOCH = dt.date(1970, 1, 1)
_FAR = dt.date(2262, 1, 1)  # past the int64 nanosecond range: open-ended


class RecordSource:
    """Records to serve; subclasses say where they come from."""

    dataset: str
    intervals: list[parsing.SymbolInterval]
    status: npt.NDArray[np.void] | None = None  # STATUS_DTYPE, in ts_recv order

    def batches(self, max_records: int) -> Iterator[npt.NDArray[np.void]]:
        """Every record in order, in arrays of ``MBP1_DTYPE`` (valid until the next one)."""
        raise NotImplementedError

    def mappings(self) -> list[tuple[int, str, int, int | None]]:
        """(instrument_id, symbol, start_ns, end_ns) of every interval, UTC nanoseconds
        (``end_ns`` None: open-ended)."""
        out: list[tuple[int, str, int, int | None]] = []
        for iv in self.intervals:
            start = max(0, (iv.start_date - _EPOCH).days * _DAY_NS)
            end = None if iv.end_date >= _FAR else (iv.end_date - _EPOCH).days * _DAY_NS
            out.append((iv.instrument_id, iv.symbol, start, end))
        return out


class FileSource(RecordSource):
    """The records of an MBP-1 (or tbbo/trades) DBN file, ``.dbn`` or ``.dbn.zst``, and
    those of a ``status`` DBN file (ids moved to the data file's through the symbols,
    as ``replay --status`` does).

    Raises DataFileError or SchemaError at construction for an unusable file.
    """

    def __init__(
        self, path: Path, *, dataset: str | None = None, status: Path | None = None
    ) -> None:
        self._path = Path(path)
        with open_dbn(self._path) as dbn_file:
            self.dataset = dataset or dbn_file.metadata.dataset
            # Reading the whole file once collects in-band mappings too and
            # proves the schema before any client connects.
            for _ in dbn_file.iter_batches():
                pass
            self.intervals = dbn_file.intervals
            if status is not None:
                self.status = _status_records(
                    status, lambda d: dbn_file.symbols_for(d) or dbn_file.symbols
                )

    def batches(self, max_records: int) -> Iterator[npt.NDArray[np.void]]:
        with open_dbn(self._path) as dbn_file:
            yield from dbn_file.iter_batches(max_records)


class ArraySource(RecordSource):
    """Records held in memory (tests): an ``MBP1_DTYPE`` array and its symbols."""

    def __init__(
        self,
        records: npt.NDArray[np.void],
        intervals: Sequence[parsing.SymbolInterval],
        *,
        dataset: str = "TRADEASSIST.SIM",
        status: npt.NDArray[np.void] | None = None,
    ) -> None:
        self._records = records
        self.intervals = list(intervals)
        self.dataset = dataset
        self.status = status

    def batches(self, max_records: int) -> Iterator[npt.NDArray[np.void]]:
        for start in range(0, self._records.shape[0], max_records):
            yield self._records[start : start + max_records]


def _status_records(path: Path, target: Symbology) -> npt.NDArray[np.void]:
    with open_dbn(path) as status_file:
        parts = [
            translate_ids(part, lambda d: status_file.symbols_for(d) or status_file.symbols, target)
            for part in status_file.iter_status()
        ]
    return np.concatenate(parts) if parts else np.empty(0, parsing.STATUS_DTYPE)


class MarketClock:
    """How many records the market has published: ``rate`` per second since ``start()``.

    ``rate`` None publishes everything at once. Until ``start()`` nothing is published.
    """

    def __init__(self, rate: float | None) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (records per second) or None")
        self.rate = rate
        self._t0: float | None = None

    @property
    def started(self) -> bool:
        return self._t0 is not None

    def start(self) -> None:
        if self._t0 is None:
            self._t0 = time.monotonic()

    def published(self) -> float:
        """Records published so far (infinite without a rate, once started)."""
        if self._t0 is None:
            return 0.0
        if self.rate is None:
            return float("inf")
        return (time.monotonic() - self._t0) * self.rate

    def seconds_until(self, count: int) -> float:
        """Seconds until ``count`` records are published (0 when they are)."""
        if self._t0 is None:
            return 0.01
        if self.rate is None:
            return 0.0
        return max(0.0, self._t0 + count / self.rate - time.monotonic())
