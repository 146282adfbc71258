"""Streaming reader of Databento DBN files (``.dbn`` or ``.dbn.zst``, DBN versions 1 to 3).

``open_dbn(path)`` reads the metadata (with ``databento_dbn``, so every DBN
version decodes) and the symbology; ``iter_batches()`` then streams the
records as numpy structured arrays in Databento's MBP-1 dtype
(``parsing.MBP1_DTYPE``, the dtype of ``DBNStore.to_ndarray()`` for mbp-1).
Raw bytes go into one reused buffer and are viewed with ``np.frombuffer``: no
Python object per record, and memory does not grow with the file.

Schemas: ``mbp-1``; ``tbbo`` (the same record layout, every record a trade with
the book just before it); ``trades`` (converted to MBP-1 records whose quote is
``UNDEF_PRICE`` with sizes 0; ``rtype`` stays 0 so a consumer can tell there was
no book). ``iter_status()`` reads ``status`` files (trading halts and resumes)
and ``iter_ohlcv()`` reads ``ohlcv-1d`` files (reference data). Any other
schema, or a file without a schema (a mixed-schema live capture), raises
SchemaError.

A recorded live session may interleave symbol-mapping, system and error records
with the data: mappings update ``symbols`` as they are read, the others are
skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import databento_dbn as dbn
import numpy as np
import numpy.typing as npt

from tradeassist.errors import DataFileError, SchemaError
from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.byte_stream import ByteStream, open_byte_stream
from tradeassist.feeds.databento.header import DbnMetadata, decode_symbol_mapping, read_metadata

__all__ = ["REPLAY_SCHEMAS", "DbnFile", "DbnMetadata", "iter_status", "open_dbn"]

REPLAY_SCHEMAS: Final = ("mbp-1", "tbbo", "trades")
"""Schemas whose files replay through the screener."""

_TS_OUT_BYTES = 8
_MAX_RECORD_BYTES = 255 * 4  # the length byte counts 4-byte words
_CHECK_BYTES = 1 << 20  # read a piece at a time, to check records while they are in cache
_SKIPPED_RTYPES = frozenset({int(dbn.RType.SYSTEM), int(dbn.RType.ERROR)})


@dataclass(frozen=True, slots=True)
class _Layout:
    """How the records of one schema sit in the file, and the dtype handed out."""

    dtype: np.dtype[np.void]
    file_size: int  # bytes per record in the file, without ts_out
    rtypes: tuple[int, ...]
    fill: dict[str, int] = field(default_factory=dict)  # output fields the file lacks


_LAYOUTS: Final[dict[str, _Layout]] = {
    "mbp-1": _Layout(parsing.MBP1_DTYPE, 80, (parsing.RTYPE_MBP_1,)),
    "tbbo": _Layout(parsing.MBP1_DTYPE, 80, (parsing.RTYPE_MBP_1,)),
    "trades": _Layout(
        parsing.MBP1_DTYPE,
        48,
        (parsing.RTYPE_MBP_0,),
        {"bid_px_00": parsing.UNDEF_PRICE, "ask_px_00": parsing.UNDEF_PRICE},
    ),
    "status": _Layout(parsing.STATUS_DTYPE, 40, (parsing.RTYPE_STATUS,)),
    "ohlcv-1d": _Layout(
        parsing.OHLCV_DTYPE, 56, (parsing.RTYPE_OHLCV_1D, parsing.RTYPE_OHLCV_DEPRECATED)
    ),
}


def _body_view(dtype_size: int, start: int, stop: int) -> np.dtype[np.void]:
    """A dtype seeing bytes [start, stop) of each record as one opaque field."""
    return np.dtype(
        {
            "names": ["b"],
            "formats": [f"V{stop - start}"],
            "offsets": [start],
            "itemsize": dtype_size,
        }
    )


class DbnFile:
    """An open DBN file: metadata and symbology at once, records streamed once.

    Use as a context manager, or call ``close()``.
    """

    def __init__(
        self,
        path: Path,
        stream: ByteStream,
        metadata: DbnMetadata,
        intervals: list[parsing.SymbolInterval],
    ) -> None:
        self._path = path
        self._stream = stream
        self._metadata = metadata
        self._intervals = intervals
        self._symbols = parsing.instrument_symbols(intervals)
        self._started = False

    @property
    def path(self) -> Path:
        return self._path

    @property
    def metadata(self) -> DbnMetadata:
        return self._metadata

    @property
    def symbols(self) -> dict[int, str]:
        """instrument_id -> symbol over the whole file (an id reused on several days
        keeps its latest symbol: see ``symbols_for``). Grows while records are read
        when the file carries in-band symbol mappings, always before the records
        that need them."""
        return self._symbols

    @property
    def intervals(self) -> list[parsing.SymbolInterval]:
        """Every symbol-mapping interval: the metadata's, then in-band ones as read."""
        return list(self._intervals)

    def symbols_for(self, day: dt.date) -> dict[int, str]:
        """instrument_id -> symbol on ``day`` (a UTC date): ids are unique within a day only."""
        return parsing.instrument_symbols(self._intervals, day)

    def iter_batches(self, max_records: int = 65536) -> Iterator[npt.NDArray[np.void]]:
        """Stream mbp-1, tbbo or trades records as arrays of ``MBP1_DTYPE``.

        Each array holds 1 to ``max_records`` records and is a read-only view into
        a buffer the reader reuses: it is valid only until the next batch is
        requested (``batch.copy()`` keeps one). Raises SchemaError at once for
        another schema; DataFileError when the data is truncated or corrupt,
        which for a streamed file can happen after earlier batches were yielded.
        """
        return self._records(self._claim(REPLAY_SCHEMAS, "replay"), max_records)

    def iter_status(self, max_records: int = 65536) -> Iterator[npt.NDArray[np.void]]:
        """Stream a status file as arrays of ``STATUS_DTYPE`` (trading halts, resumes,
        quoting changes; ``action``/``reason`` are ``databento_dbn.StatusAction`` and
        ``StatusReason`` values). Same buffer rules as ``iter_batches``."""
        return self._records(self._claim(("status",), "status reading"), max_records)

    def iter_ohlcv(self, max_records: int = 65536) -> Iterator[npt.NDArray[np.void]]:
        """Stream an ohlcv-1d file as arrays of ``OHLCV_DTYPE``. Same buffer rules."""
        return self._records(self._claim(("ohlcv-1d",), "daily bars"), max_records)

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> DbnFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _claim(self, accepted: tuple[str, ...], purpose: str) -> _Layout:
        schema = self._metadata.schema
        supported = ", ".join(accepted)
        if schema is None:
            raise SchemaError(
                f"{self._path}: DBN file without a schema (records of several schemas, as in a"
                f" live capture); {purpose} needs one of: {supported}"
            )
        if schema not in accepted:
            raise SchemaError(
                f"{self._path}: DBN schema {schema} is not supported for {purpose};"
                f" supported: {supported}"
            )
        if self._started:
            raise RuntimeError("the records of a DbnFile can be read only once")
        self._started = True
        return _LAYOUTS[schema]

    def _read(self, view: memoryview) -> int:
        try:
            return self._stream.readinto(view)
        except OSError as exc:
            raise DataFileError(f"{self._path}: cannot read ({exc.strerror})") from exc

    def _fill(
        self, buf: bytearray, start: int, size: int, header: np.dtype[Any], expected: list[int]
    ) -> tuple[int, int]:
        """Read into ``buf[start:]`` until it is full or the stream ends, a piece at a time,
        checking each whole record's length and rtype as soon as its bytes arrive (while
        they are still in cache: checked later, a 20 MB batch is read back from memory).

        Records are taken to start at 0, every ``size`` bytes, up to the first one that
        is not a data record. Returns (bytes read, the offset up to which records are
        checked data records).
        """
        view = memoryview(buf)
        end, checked, clean = start, 0, True
        while end < len(buf):
            got = self._read(view[end : min(end + _CHECK_BYTES, len(buf))])
            if got == 0:
                break
            end += got
            count = (end - checked) // size if clean else 0
            if count:
                good = _data_records(buf, header, count, checked, expected)
                clean = good == count
                checked += good * size
        return end - start, checked

    def _records(self, layout: _Layout, max_records: int) -> Iterator[npt.NDArray[np.void]]:
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        size = layout.file_size + (_TS_OUT_BYTES if self._metadata.ts_out else 0)
        words = size // 4
        expected = [words | (rtype << 8) for rtype in layout.rtypes]
        # The length and rtype bytes of each record as one little-endian u16.
        header = np.dtype({"names": ["hd"], "formats": ["<u2"], "offsets": [0], "itemsize": size})
        out_size = layout.dtype.itemsize
        convert = size != out_size
        if convert:  # a reused output array, pre-filled with what the file lacks
            out = np.zeros(max_records, layout.dtype)
            for name, value in layout.fill.items():
                out[name] = value
            out["length"] = out_size // 4
            copy_to = min(size, out_size)
            dst = out.view(_body_view(out_size, 1, copy_to))
            src_view = _body_view(size, 1, copy_to)
        # Reads stop at a whole number of records, so full batches follow each other;
        # the floor leaves room for the largest record there is.
        buf = bytearray(max(max_records * size, _MAX_RECORD_BYTES))
        kept = 0  # bytes of an unfinished record moved to the front of buf
        consumed = 0  # file offset (after the metadata) of buf[0]
        while True:
            got, checked = self._fill(buf, kept, size, header, expected)
            end = kept + got
            pos = 0
            # Every record's length and rtype are checked, vectorised (as they arrive, up
            # to ``checked``); whatever is not a data record (an in-band mapping, a
            # heartbeat, corruption) is then handled one record at a time.
            while end - pos >= 2:
                count = min((end - pos) // size, max_records)
                good = count
                if count and pos + count * size > checked:
                    good = _data_records(buf, header, count, pos, expected)
                if good:
                    if convert:
                        dst[:good] = np.frombuffer(buf, src_view, count=good, offset=pos)
                        batch = out[:good]
                    else:
                        batch = np.frombuffer(buf, layout.dtype, count=good, offset=pos)
                    batch.flags.writeable = False
                    pos += good * size
                    yield batch
                    continue
                if count == 0 and buf[pos] == words and buf[pos + 1] in layout.rtypes:
                    break  # the start of a data record: read on
                length = buf[pos] * 4
                if length < 16:
                    raise DataFileError(
                        f"{self._path}: corrupt DBN record at byte {consumed + pos} of the data"
                    )
                if pos + length > end:
                    break
                self._other_record(bytes(buf[pos : pos + length]), consumed + pos)
                pos += length
            kept = end - pos
            consumed += pos
            if got == 0:
                if kept:
                    raise DataFileError(
                        f"{self._path}: truncated DBN file ({kept} bytes of an unfinished record"
                        " at the end)"
                    )
                self._stream.finish()
                return
            buf[:kept] = buf[pos:end]

    def _other_record(self, record: bytes, offset: int) -> None:
        rtype = record[1]
        if rtype in _SKIPPED_RTYPES:
            return
        if rtype != parsing.RTYPE_SYMBOL_MAPPING:
            raise DataFileError(
                f"{self._path}: unexpected record (rtype {rtype:#04x}) at byte {offset} of a"
                f" {self._metadata.schema} file"
            )
        try:
            interval = decode_symbol_mapping(record, self._metadata)
        except ValueError as exc:
            raise DataFileError(f"{self._path}: corrupt symbol mapping at byte {offset}") from exc
        self._symbols[interval.instrument_id] = interval.symbol
        self._intervals.append(interval)


def _data_records(
    buf: bytearray, header: np.dtype[Any], count: int, offset: int, expected: list[int]
) -> int:
    """How many of the ``count`` records at ``offset`` are data records before any other
    (each record's length and rtype, one little-endian u16, is one of ``expected``)."""
    hd = np.frombuffer(buf, header, count=count, offset=offset)["hd"]
    bad = hd != expected[0]
    for value in expected[1:]:
        bad &= hd != value
    return int(bad.argmax()) if bad.any() else count


def open_dbn(path: Path) -> DbnFile:
    """Open a DBN file and read its metadata and symbology (records are read on demand).

    Raises DataFileError when the file is missing, unreadable, empty or not DBN.
    """
    path = Path(path)
    stream = open_byte_stream(path)
    try:
        metadata, intervals = read_metadata(path, stream)
    except BaseException:
        stream.close()
        raise
    return DbnFile(path, stream, metadata, intervals)


def iter_status(path: Path, max_records: int = 65536) -> Iterator[npt.NDArray[np.void]]:
    """Stream the trading-status records of a DBN ``status`` file (see ``DbnFile.iter_status``)."""
    with open_dbn(path) as dbn_file:
        yield from dbn_file.iter_status(max_records)
