"""Decode a live session's DBN byte stream as it arrives, in pieces of any size.

A session's stream is the metadata header, then records. MBP-1 records come
out as numpy arrays of ``parsing.MBP1_DTYPE`` (runs of them found vectorised,
as the file reader does), trading-status records (a session subscribed to the
``status`` schema too) as arrays of ``parsing.STATUS_DTYPE``, one per run; the
other records come out one by one:
symbol mappings as ``SymbolInterval``, system and error messages as
:class:`GatewayMessage`. Bytes of an unfinished record wait for the next piece.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import databento_dbn as dbn
import numpy as np
import numpy.typing as npt

from tradeassist.errors import FeedError
from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.header import DbnMetadata, decode_symbol_mapping, read_metadata

__all__ = ["DbnStreamDecoder", "GatewayMessage", "Piece"]

_PREFIX: Final = 8
_MBP1_SIZE: Final = parsing.MBP1_DTYPE.itemsize
_MBP1_HEADER: Final = (_MBP1_SIZE // 4) | (parsing.RTYPE_MBP_1 << 8)  # length and rtype bytes
_HEADER_VIEW: Final = np.dtype(
    {"names": ["hd"], "formats": ["<u2"], "offsets": [0], "itemsize": _MBP1_SIZE}
)
_STATUS_SIZE: Final = parsing.STATUS_DTYPE.itemsize
_STATUS_HEADER: Final = (_STATUS_SIZE // 4) | (parsing.RTYPE_STATUS << 8)
_RTYPE_SYSTEM: Final = int(dbn.RType.SYSTEM)
_RTYPE_ERROR: Final = int(dbn.RType.ERROR)
_STREAM: Final = Path("<live stream>")


@dataclass(frozen=True, slots=True)
class GatewayMessage:
    """A system (``error`` False) or error message of the gateway; ``code`` as
    ``databento_dbn.SystemCode`` or ``ErrorCode`` value, None when the DBN version has none."""

    error: bool
    code: int | None
    text: str

    @property
    def is_heartbeat(self) -> bool:
        return not self.error and (
            self.code == int(dbn.SystemCode.HEARTBEAT)
            or (self.code is None and self.text == "Heartbeat")
        )


Piece = npt.NDArray[np.void] | parsing.SymbolInterval | GatewayMessage
"""An array of MBP-1 or of status records (tell them by ``dtype``), a mapping, or a message."""


def _run(buf: bytes, pos: int, end: int, size: int, header: int) -> int:
    """How many whole records of ``size`` bytes with ``header`` follow from ``pos`` (>= 1)."""
    count = (end - pos) // size
    view = np.dtype({"names": ["hd"], "formats": ["<u2"], "offsets": [0], "itemsize": size})
    hd = np.frombuffer(buf, view, count=count, offset=pos)["hd"]
    bad = hd != header
    return int(bad.argmax()) if bad.any() else count


class _Bytes(io.BytesIO):
    """``bytes`` as the ``ByteStream`` the header reader wants."""

    def finish(self) -> None:
        return None


class DbnStreamDecoder:
    """One session's stream; feed it bytes in order with :meth:`decode`."""

    def __init__(self) -> None:
        self._rest = b""
        self._metadata: DbnMetadata | None = None
        self.unexpected = 0  # records of other types, skipped

    @property
    def metadata(self) -> DbnMetadata | None:
        return self._metadata

    @property
    def pending_bytes(self) -> int:
        return len(self._rest)

    def decode(self, data: bytes) -> list[Piece]:
        """The pieces completed by ``data``, in stream order (record arrays are copies).

        Raises FeedError when the stream is not DBN or is corrupt.
        """
        if not isinstance(data, bytes):
            data = bytes(data)
        buf = self._rest + data if self._rest else data
        pos = 0
        if self._metadata is None:
            pos = self._read_metadata(buf)
            if pos == 0:
                self._rest = buf
                return []
        out: list[Piece] = []
        end = len(buf)
        while end - pos >= 2:
            count = (end - pos) // _MBP1_SIZE
            good = count
            if count:
                hd = np.frombuffer(buf, _HEADER_VIEW, count=count, offset=pos)["hd"]
                bad = hd != _MBP1_HEADER
                if bad.any():
                    good = int(bad.argmax())
            if good:
                out.append(np.frombuffer(buf, parsing.MBP1_DTYPE, count=good, offset=pos).copy())
                pos += good * _MBP1_SIZE
                continue
            length = buf[pos] * 4
            if length < 16:
                raise FeedError(f"corrupt record in the live stream (length {length})")
            if pos + length > end:
                break
            if length == _STATUS_SIZE and buf[pos + 1] == parsing.RTYPE_STATUS:
                count = _run(buf, pos, end, _STATUS_SIZE, _STATUS_HEADER)
                run = np.frombuffer(buf, parsing.STATUS_DTYPE, count=count, offset=pos)
                out.append(run.copy())
                pos += count * _STATUS_SIZE
                continue
            piece = self._other(buf[pos : pos + length])
            if piece is not None:
                out.append(piece)
            pos += length
        self._rest = buf[pos:]
        return out

    def _read_metadata(self, buf: bytes) -> int:
        if len(buf) < _PREFIX:
            return 0
        if buf[:3] != b"DBN":
            raise FeedError("the live gateway did not send a DBN stream")
        length = int.from_bytes(buf[4:_PREFIX], "little")
        if len(buf) < _PREFIX + length:
            return 0
        try:
            metadata, _ = read_metadata(_STREAM, _Bytes(buf[: _PREFIX + length]))
        except Exception as exc:  # DataFileError: the header is unreadable
            raise FeedError(f"unreadable metadata in the live stream ({exc})") from None
        if metadata.ts_out:
            raise FeedError("the live stream carries ts_out, which this feed does not ask for")
        self._metadata = metadata
        return _PREFIX + length

    def _other(self, record: bytes) -> Piece | None:
        assert self._metadata is not None
        rtype = record[1]
        if rtype == parsing.RTYPE_SYMBOL_MAPPING:
            try:
                return decode_symbol_mapping(record, self._metadata)
            except ValueError as exc:
                raise FeedError(f"corrupt symbol mapping in the live stream ({exc})") from None
        if rtype in (_RTYPE_SYSTEM, _RTYPE_ERROR):
            return self._message(record, rtype == _RTYPE_ERROR)
        self.unexpected += 1
        return None

    def _message(self, record: bytes, error: bool) -> GatewayMessage:
        assert self._metadata is not None
        decoder = dbn.DBNDecoder(
            has_metadata=False, ts_out=False, input_version=self._metadata.version
        )
        try:
            decoder.write(record)
            msg = decoder.decode()[0]
        except Exception:  # DBNError: report it rather than fail the whole feed
            return GatewayMessage(error, None, "undecodable gateway message")
        text = str(getattr(msg, "err" if error else "msg", ""))
        code = getattr(msg, "code", None)
        return GatewayMessage(error, None if code is None else int(code), text)
