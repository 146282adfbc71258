"""Raw bytes of a DBN file, plain or zstd-compressed, read into the caller's buffer.

The caller owns one reusable buffer and asks for it to be filled; nothing here
allocates per record. Compression is recognised by the zstd magic number, not
by the file name. A zstd stream is decompressed by
``zstandard``'s ``stream_reader`` straight into the caller's buffer; since that
reader ends quietly where a cut file ends, a ``FrameWalker`` follows the frames
over the same compressed bytes, so that a cut file fails as truncated.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Protocol, cast

import zstandard

from tradeassist.errors import DataFileError
from tradeassist.feeds.databento.zstd_frames import FrameWalker, ZstdLayoutError

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


class _WalkedSource:
    """The compressed file as the decompressor reads it, every byte shown to a FrameWalker."""

    def __init__(self, raw: io.FileIO, path: Path) -> None:
        self._raw = raw
        self._path = path
        self.walker = FrameWalker()

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if chunk:
            try:
                self.walker.feed(chunk)
            except ZstdLayoutError as exc:
                raise DataFileError(f"{self._path}: corrupt zstd data ({exc})") from None
        return chunk or b""


class _ZstdStream:
    def __init__(self, raw: io.FileIO, path: Path) -> None:
        self._raw = raw
        self._path = path
        self._source = _WalkedSource(raw, path)
        self._reader = zstandard.ZstdDecompressor().stream_reader(
            cast(IO[bytes], self._source),
            read_size=_ZSTD_READ_SIZE,
            read_across_frames=True,
            closefd=False,
        )

    def readinto(self, buffer: memoryview) -> int:
        filled = 0
        try:
            while filled < len(buffer):
                got = self._reader.readinto(buffer[filled:])
                if not got:
                    break
                filled += got
        except zstandard.ZstdError as exc:
            raise DataFileError(f"{self._path}: corrupt zstd data ({exc})") from exc
        return filled

    def finish(self) -> None:
        if not self._source.walker.between_frames:
            raise DataFileError(f"{self._path}: truncated zstd data (the last frame is unfinished)")

    def close(self) -> None:
        self._raw.close()  # the reader holds nothing else (closefd=False)


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
