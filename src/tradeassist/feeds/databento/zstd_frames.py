"""Where a zstd stream stands between frames, from its block headers alone.

``zstandard``'s ``stream_reader`` decompresses straight into the caller's
buffer (no new bytes object per chunk, which is what makes it the fast way to
read a ``.dbn.zst`` here), but a stream cut off at a block boundary just ends
there, quietly. :class:`FrameWalker` is fed the same compressed bytes the
reader consumes and follows the frame layout of RFC 8878 (frame header, block
headers, optional checksum; skippable frames) without decompressing anything:
it reads a few header bytes per block and skips the rest by arithmetic. At
the end, :attr:`FrameWalker.between_frames` says whether the last frame was
finished. Pure: no I/O.
"""

from __future__ import annotations

from typing import Final

__all__ = ["FrameWalker", "ZstdLayoutError"]

_MAGIC: Final = 0xFD2FB528
_SKIPPABLE_MASK: Final = 0xFFFFFFF0
_SKIPPABLE: Final = 0x184D2A50
_BLOCK_RLE: Final = 1
_BLOCK_RESERVED: Final = 3
_DICT_ID_BYTES: Final = (0, 1, 2, 4)
_CONTENT_SIZE_BYTES: Final = (0, 2, 4, 8)

# What the walker waits for: the next header field, by the bytes it needs.
_FRAME_START, _DESCRIPTOR, _BLOCK, _SKIP_SIZE, _SKIPPING = range(5)
_NEEDS: Final = {_FRAME_START: 4, _DESCRIPTOR: 1, _BLOCK: 3, _SKIP_SIZE: 4}


class ZstdLayoutError(ValueError):
    """The bytes are not a sequence of zstd (or skippable) frames."""


class FrameWalker:
    """Follows frames over compressed bytes fed in order, in pieces of any size."""

    def __init__(self) -> None:
        self._state = _FRAME_START
        self._head = b""  # bytes of the field being read, when a piece ended inside it
        self._skip = 0  # bytes to pass over before the next field
        self._after_skip = _FRAME_START
        self._checksum = 0  # bytes of checksum after the current frame's last block
        self.frames = 0  # frames finished

    @property
    def between_frames(self) -> bool:
        """True when every frame begun has been finished (also before any byte)."""
        return self._state == _FRAME_START and not self._head

    def feed(self, data: bytes | memoryview) -> None:
        """Take the next compressed bytes; raises ZstdLayoutError on a bad frame start."""
        pos, end = 0, len(data)
        while True:
            if self._skip:
                take = min(self._skip, end - pos)
                self._skip -= take
                pos += take
                if self._skip:
                    return
                self._state = self._after_skip
                if self._state == _FRAME_START:
                    self.frames += 1
            need = _NEEDS[self._state] - len(self._head)
            if end - pos < need:
                self._head += bytes(data[pos:end])
                return
            field = int.from_bytes(self._head + bytes(data[pos : pos + need]), "little")
            self._head = b""
            pos += need
            self._read_field(field)

    def _read_field(self, field: int) -> None:
        state = self._state
        if state == _FRAME_START:
            if field == _MAGIC:
                self._state = _DESCRIPTOR
            elif field & _SKIPPABLE_MASK == _SKIPPABLE:
                self._state = _SKIP_SIZE
            else:
                raise ZstdLayoutError(f"not a zstd frame (starts 0x{field:08x})")
        elif state == _DESCRIPTOR:
            single_segment = (field >> 5) & 1
            content_size_flag = field >> 6
            size_bytes = _CONTENT_SIZE_BYTES[content_size_flag]
            if content_size_flag == 0 and single_segment:
                size_bytes = 1
            self._checksum = 4 if field & 0x04 else 0
            window_bytes = 0 if single_segment else 1
            self._pass(window_bytes + _DICT_ID_BYTES[field & 0x03] + size_bytes, _BLOCK)
        elif state == _BLOCK:
            last, kind, size = field & 1, (field >> 1) & 3, field >> 3
            if kind == _BLOCK_RESERVED:
                raise ZstdLayoutError("reserved zstd block type")
            body = 1 if kind == _BLOCK_RLE else size
            if last:
                self._pass(body + self._checksum, _FRAME_START)
            else:
                self._pass(body, _BLOCK)
        else:  # _SKIP_SIZE: a skippable frame's length, then its bytes
            self._pass(field, _FRAME_START)

    def _pass(self, count: int, then: int) -> None:
        if count:
            self._skip, self._after_skip = count, then
            self._state = _SKIPPING
        else:
            self._state = then
            if then == _FRAME_START:
                self.frames += 1
