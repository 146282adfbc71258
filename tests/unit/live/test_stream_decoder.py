"""Decoding a live session's DBN bytes however the network cuts them."""

from __future__ import annotations

import databento_dbn as dbn
import numpy as np
import pytest

from tradeassist.errors import FeedError
from tradeassist.feeds.databento import parsing, wire
from tradeassist.feeds.databento.stream_decoder import DbnStreamDecoder, GatewayMessage

T0 = 1_773_149_400_000_000_000


def session_bytes() -> tuple[bytes, np.ndarray]:
    records = np.zeros(25, dtype=parsing.MBP1_DTYPE)
    records["length"] = parsing.MBP1_DTYPE.itemsize // 4
    records["rtype"] = parsing.RTYPE_MBP_1
    records["instrument_id"] = 7
    records["ts_event"] = T0 + np.arange(25)
    records["sequence"] = np.arange(25)
    data = (
        wire.metadata_header("TRADEASSIST.SIM", T0)
        + wire.mapping_record(7, "AAPL", T0, T0, None)
        + records[:10].tobytes()
        + wire.system_record(T0, "Heartbeat", dbn.SystemCode.HEARTBEAT)
        + records[10:].tobytes()
        + wire.error_record(T0, "Too slow", dbn.ErrorCode.SKIPPED_RECORDS_AFTER_SLOW_READING)
    )
    return data, records


def summary(pieces: list[object]) -> list[object]:
    out: list[object] = []
    for piece in pieces:
        if isinstance(piece, np.ndarray):
            if out and isinstance(out[-1], list):
                out[-1].extend(piece["sequence"].tolist())
            else:
                out.append(piece["sequence"].tolist())
        else:
            out.append(piece)
    return out


@pytest.mark.parametrize("piece_size", [1, 7, 80, 333, 100_000])
def test_pieces_of_any_size_decode_to_the_same_stream(piece_size: int) -> None:
    data, _ = session_bytes()
    decoder = DbnStreamDecoder()
    pieces: list[object] = []
    for start in range(0, len(data), piece_size):
        pieces += decoder.decode(data[start : start + piece_size])
    got = summary(pieces)
    assert isinstance(got[0], parsing.SymbolInterval)
    assert (got[0].instrument_id, got[0].symbol) == (7, "AAPL")
    assert got[1] == list(range(10))
    assert isinstance(got[2], GatewayMessage) and got[2].is_heartbeat
    assert got[3] == list(range(10, 25))
    error = got[4]
    assert isinstance(error, GatewayMessage) and error.error and error.text == "Too slow"
    assert error.code == int(dbn.ErrorCode.SKIPPED_RECORDS_AFTER_SLOW_READING)
    assert decoder.pending_bytes == 0
    assert decoder.metadata is not None and decoder.metadata.dataset == "TRADEASSIST.SIM"


def test_records_are_copies_that_outlive_the_input() -> None:
    data, records = session_bytes()
    pieces = DbnStreamDecoder().decode(bytearray(data))
    arrays = [p for p in pieces if isinstance(p, np.ndarray)]
    assert arrays[0].flags.owndata and arrays[0]["ts_event"][0] == records["ts_event"][0]


def test_a_stream_that_is_not_dbn_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="DBN"):
        DbnStreamDecoder().decode(b"HTTP/1.1 400 Bad Request\r\n")


@pytest.mark.parametrize("piece_size", [1, 13, 40, 100_000])
def test_status_records_of_a_mixed_stream_come_out_as_arrays_in_place(piece_size: int) -> None:
    _, records = session_bytes()
    status = np.zeros(3, dtype=parsing.STATUS_DTYPE)
    status["length"] = parsing.STATUS_DTYPE.itemsize // 4
    status["rtype"] = parsing.RTYPE_STATUS
    status["instrument_id"] = 7
    status["ts_event"] = status["ts_recv"] = T0 + np.arange(3)
    status["action"] = [int(dbn.StatusAction.HALT), int(dbn.StatusAction.TRADING), 0]
    data = (
        wire.metadata_header("XNAS.ITCH", T0, schema=None)  # two schemas: schema undefined
        + records[:10].tobytes()
        + status[:2].tobytes()  # a run of two
        + records[10:20].tobytes()
        + status[2:].tobytes()
        + records[20:].tobytes()
    )
    decoder = DbnStreamDecoder()
    pieces: list[object] = []
    for start in range(0, len(data), piece_size):
        pieces += decoder.decode(data[start : start + piece_size])

    kinds: list[tuple[str, list[int]]] = []
    for piece in pieces:
        assert isinstance(piece, np.ndarray)
        kind = "status" if piece.dtype == parsing.STATUS_DTYPE else "mbp-1"
        values = (piece["action"] if kind == "status" else piece["sequence"]).tolist()
        if kinds and kinds[-1][0] == kind:
            kinds[-1][1].extend(values)
        else:
            kinds.append((kind, values))
    assert kinds == [
        ("mbp-1", list(range(10))),
        ("status", status["action"][:2].tolist()),
        ("mbp-1", list(range(10, 20))),
        ("status", [0]),
        ("mbp-1", list(range(20, 25))),
    ]
    assert decoder.unexpected == 0 and decoder.metadata is not None
    assert decoder.metadata.schema is None
