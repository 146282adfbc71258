"""Files out: the DBN file (raw or zstd), the reference CSV and the ground-truth JSON.

Each file is written under a temporary name beside its target and renamed into
place once complete, so a crash never leaves a half-written file behind. The
DBN header is version 3 metadata from ``databento_dbn``; the records are MBP-1
structs written straight from a numpy structured array of the same layout.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any, BinaryIO

import databento_dbn as dbn
import numpy as np
import numpy.typing as npt
import zstandard

from tradeassist.errors import InputError
from tradeassist.feeds.simulator.universe import PRICE_SCALE, Universe

__all__ = [
    "MBP1_DTYPE",
    "DbnSink",
    "OutputPaths",
    "format_price",
    "metadata_header",
    "output_paths",
    "write_reference",
    "write_truth",
]

# The record layout of MBP-1 (80 bytes), as the official client's ``to_ndarray`` gives it.
MBP1_DTYPE = np.dtype(dbn.MBP1Msg._dtypes)


@dataclass(frozen=True, slots=True)
class OutputPaths:
    """The three files of a simulated day."""

    dbn: Path
    reference: Path
    truth: Path
    compressed: bool


def output_paths(out: Path) -> OutputPaths:
    """``day.dbn[.zst]`` -> ``day.reference.csv`` and ``day.truth.json`` beside it."""
    name = out.name
    for suffix, compressed in ((".dbn.zst", True), (".dbn", False)):
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = out.with_name(name[: -len(suffix)])
            return OutputPaths(
                dbn=out,
                reference=stem.with_name(stem.name + ".reference.csv"),
                truth=stem.with_name(stem.name + ".truth.json"),
                compressed=compressed,
            )
    raise InputError(f"--out must name a .dbn or .dbn.zst file, not {str(out)!r}")


def metadata_header(
    dataset: str, universe: Universe, day: dt.date, start_ns: int, end_ns: int
) -> bytes:
    """Encoded DBN v3 metadata: MBP-1, raw symbols in, instrument ids out, one-day mappings."""
    next_day = day + dt.timedelta(days=1)
    mappings = [
        SimpleNamespace(
            raw_symbol=symbol,
            intervals=[SimpleNamespace(start_date=day, end_date=next_day, symbol=str(int(iid)))],
        )
        for symbol, iid in zip(universe.symbols, universe.instrument_ids, strict=True)
    ]
    meta = dbn.Metadata(
        dataset=dataset,
        start=start_ns,
        end=end_ns,
        schema=dbn.Schema("mbp-1"),
        stype_in=dbn.SType("raw_symbol"),
        stype_out=dbn.SType("instrument_id"),
        symbols=list(universe.symbols),
        partial=[],
        not_found=[],
        mappings=mappings,
    )
    header: bytes = meta.encode()
    return header


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


def _open_for_write(path: Path) -> BinaryIO:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _tmp(path).open("wb")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


class DbnSink:
    """Append records to a DBN file; zstd (one finished frame) when ``compressed``."""

    def __init__(self, path: Path, header: bytes, compressed: bool, zstd_level: int) -> None:
        self._path = path
        self._raw = _open_for_write(path)
        self._stream: Any = self._raw
        if compressed:
            cctx = zstandard.ZstdCompressor(level=zstd_level)
            self._stream = cctx.stream_writer(self._raw, closefd=False)
        self._stream.write(header)

    def write(self, records: npt.NDArray[np.void]) -> None:
        # The structured array's memory is the records' wire format (80 bytes each).
        self._stream.write(np.ascontiguousarray(records).view(np.uint8).data)

    def __enter__(self) -> DbnSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not self._raw:
            self._stream.close()  # ends the zstd frame; the raw file stays open
        self._raw.close()
        if exc_type is None:
            os.replace(_tmp(self._path), self._path)
        else:
            _tmp(self._path).unlink(missing_ok=True)


def format_price(fixed: int, tick: int) -> str:
    """Exact decimal dollars of a fixed-point price: 2 places on cents, 4 below $1."""
    places = 2 if tick * 100 >= PRICE_SCALE else 4
    unit = PRICE_SCALE // 10**places
    return f"{fixed // PRICE_SCALE}.{(fixed % PRICE_SCALE) // unit:0{places}d}"


def _write_text(path: Path, text: str) -> None:
    with _open_for_write(path) as fh:
        fh.write(text.encode())
    os.replace(_tmp(path), path)


def write_reference(path: Path, universe: Universe) -> None:
    """``symbol,prev_close,avg_volume`` for every symbol (dollars, shares per day)."""
    lines = ["symbol,prev_close,avg_volume"]
    for i, symbol in enumerate(universe.symbols):
        close = format_price(int(universe.prev_close[i]), int(universe.tick[i]))
        lines.append(f"{symbol},{close},{int(universe.avg_volume[i])}")
    _write_text(path, "\n".join(lines) + "\n")


def write_truth(path: Path, truth: dict[str, Any]) -> None:
    """The ground truth as indented, key-sorted JSON (byte-identical for the same spec)."""
    _write_text(path, json.dumps(truth, indent=1, sort_keys=True) + "\n")
