"""Raw bytes of a DBN file, plain or zstd-compressed, read into the caller's buffer.

The caller owns one reusable buffer and asks for it to be filled; nothing here
allocates per record. Compression is recognised by the zstd magic number, not
by the file name. A zstd stream is decompressed incrementally with
``zstandard``'s decompression object because, unlike its ``stream_reader``, it
says whether the last frame was finished: a cut file must fail as truncated,
not end quietly.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Protocol

import zstandard

from tradeassist.errors import DataFileError

__all__ = ["ByteStream", "open_byte_stream"]

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Compressed bytes per read: large enough to amortise the call, small enough
# that the decompressed piece (a few MB for market data) stays cache-friendly.
_ZSTD_READ_SIZE = 1 << 18


class ByteStream(Protocol):
    """A source of a DBN file's decoded (decompressed) bytes."""

    def readinto(self, buffer: memoryview) -> int:
        """Fill ``buffer`` as far as the data goes; fewer bytes only at the end, 0 after it."""
        ...

    def finish(self) -> None:
        """Raise DataFileError if the data ended in the middle of a compressed frame."""
        ...

    def close(self) -> None: ...


class _PlainStream:
    def __init__(self, raw: io.FileIO) -> None:
        self._raw = raw

    def readinto(self, buffer: memoryview) -> int:
        filled = 0
        while filled < len(buffer):
            got = self._raw.readinto(buffer[filled:])
            if not got:
                break
            filled += got
        return filled

    def finish(self) -> None:
        return None

    def close(self) -> None:
        self._raw.close()


class _ZstdStream:
    def __init__(self, raw: io.FileIO, path: Path) -> None:
        self._raw = raw
        self._path = path
        self._dctx = zstandard.ZstdDecompressor()
        self._dobj = self._dctx.decompressobj()
        self._in_frame = False  # bytes fed to the current frame, and it has not ended
        self._pending = memoryview(b"")
        self._pending_pos = 0

    def _refill(self) -> bool:
        """Decompress the next compressed chunk into ``_pending``; False at end of file."""
        while True:
            chunk = self._raw.read(_ZSTD_READ_SIZE)
            if not chunk:
                return False
            pieces: list[bytes] = []
            try:
                while chunk:
                    self._in_frame = True
                    pieces.append(self._dobj.decompress(chunk))
                    if not self._dobj.eof:
                        break
                    # Frame finished: later bytes start another frame (concatenated frames).
                    chunk = self._dobj.unused_data
                    self._dobj = self._dctx.decompressobj()
                    self._in_frame = False
            except zstandard.ZstdError as exc:
                raise DataFileError(f"{self._path}: corrupt zstd data ({exc})") from exc
            self._pending = memoryview(b"".join(pieces) if len(pieces) != 1 else pieces[0])
            self._pending_pos = 0
            if len(self._pending):
                return True

    def readinto(self, buffer: memoryview) -> int:
        filled = 0
        while filled < len(buffer):
            available = len(self._pending) - self._pending_pos
            if available == 0:
                if not self._refill():
                    break
                continue
            take = min(available, len(buffer) - filled)
            start = self._pending_pos
            buffer[filled : filled + take] = self._pending[start : start + take]
            self._pending_pos += take
            filled += take
        return filled

    def finish(self) -> None:
        if self._in_frame:
            raise DataFileError(f"{self._path}: truncated zstd data (the last frame is unfinished)")

    def close(self) -> None:
        self._raw.close()


def open_byte_stream(path: Path) -> ByteStream:
    """Open ``path`` for reading its DBN bytes, decompressing zstd if the file is compressed.

    Raises DataFileError when the file is missing or unreadable.
    """
    try:
        raw = io.FileIO(path, "r")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataFileError(f"{path}: cannot open market-data file ({reason})") from exc
    try:
        magic = raw.read(4) or b""
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise DataFileError(f"{path}: cannot read market-data file ({exc.strerror})") from exc
    if magic == _ZSTD_MAGIC:
        return _ZstdStream(raw, path)
    return _PlainStream(raw)
