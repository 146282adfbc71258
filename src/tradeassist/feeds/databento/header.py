"""The metadata header that opens every DBN file or live stream, and in-band symbol mappings.

A DBN stream starts with ``b"DBN"``, a version byte and a little-endian u32
length, then that many bytes of metadata. ``databento_dbn`` decodes the
metadata of every DBN version; the version reported here is the file's own,
before any upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import databento_dbn as dbn

from tradeassist.errors import DataFileError
from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.byte_stream import ByteStream

__all__ = ["DbnMetadata", "decode_symbol_mapping", "read_metadata"]

_PREFIX_BYTES = 8  # b"DBN", version byte, u32 metadata length
_MAX_METADATA_BYTES = 1 << 30


@dataclass(frozen=True, slots=True)
class DbnMetadata:
    """What a DBN file's header says. Times are UTC nanoseconds since the epoch."""

    dataset: str
    schema: str | None  # e.g. "mbp-1"; None for a mixed-schema stream
    start: int
    end: int | None
    version: int  # the file's DBN version (1-3), before any upgrade
    stype_in: str | None
    stype_out: str | None
    ts_out: bool  # records carry an extra 8-byte send timestamp


def _read_exact(path: Path, stream: ByteStream, count: int) -> bytes:
    buf = bytearray(count)
    try:
        got = stream.readinto(memoryview(buf))
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read ({exc.strerror})") from exc
    return bytes(buf[:got])


def read_metadata(
    path: Path, stream: ByteStream
) -> tuple[DbnMetadata, list[parsing.SymbolInterval]]:
    """Read the metadata at the start of ``stream``, leaving it at the first record.

    Raises DataFileError for an empty, non-DBN or cut-short header (``path`` names
    the file in the message).
    """
    prefix = _read_exact(path, stream, _PREFIX_BYTES)
    if not prefix:
        raise DataFileError(f"{path}: empty file, not DBN data")
    if len(prefix) < _PREFIX_BYTES or prefix[:3] != b"DBN":
        raise DataFileError(f"{path}: not a DBN file")
    version = prefix[3]
    length = int.from_bytes(prefix[4:], "little")
    if length > _MAX_METADATA_BYTES:
        raise DataFileError(f"{path}: not a DBN file (metadata length {length})")
    body = _read_exact(path, stream, length)
    if len(body) < length:
        raise DataFileError(f"{path}: truncated DBN file (the metadata is cut short)")
    try:
        raw = dbn.Metadata.decode(prefix + body)
    except Exception as exc:  # DBNError: an unknown version or a corrupt header
        reason = " ".join(str(exc).split())
        raise DataFileError(
            f"{path}: unreadable DBN metadata (version {version}): {reason}"
        ) from exc
    metadata = DbnMetadata(
        dataset=str(raw.dataset),
        schema=None if raw.schema is None else str(raw.schema),
        start=int(raw.start),
        end=None if raw.end is None else int(raw.end),
        version=version,
        stype_in=None if raw.stype_in is None else str(raw.stype_in),
        stype_out=None if raw.stype_out is None else str(raw.stype_out),
        ts_out=bool(raw.ts_out),
    )
    intervals = parsing.symbol_intervals(raw.mappings, metadata.stype_in, metadata.stype_out)
    return metadata, intervals


def decode_symbol_mapping(record: bytes, metadata: DbnMetadata) -> parsing.SymbolInterval:
    """The interval an in-band ``SymbolMappingMsg`` (raw record bytes) announces.

    Raises ValueError when the bytes are not a symbol-mapping record.
    """
    decoder = dbn.DBNDecoder(
        has_metadata=False, ts_out=metadata.ts_out, input_version=metadata.version
    )
    try:
        decoder.write(record)
        msg = decoder.decode()[0]
    except Exception as exc:  # DBNError and friends: the record is garbage
        raise ValueError(f"not a symbol mapping record ({exc})") from exc
    if not isinstance(msg, dbn.SymbolMappingMsg | dbn.SymbolMappingMsgV1):
        raise ValueError("not a symbol mapping record")
    return parsing.mapping_interval(
        msg.instrument_id, msg.stype_in_symbol, msg.stype_out_symbol, msg.start_ts, msg.end_ts
    )
