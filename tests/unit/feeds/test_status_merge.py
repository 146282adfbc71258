"""Status records merged into a data stream by ts_recv, ids translated by symbol."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.databento.parsing import MBP1_DTYPE, STATUS_DTYPE
from tradeassist.feeds.status_merge import NO_INSTRUMENT, merge_status, translate_ids

DAY_NS = 1_773_100_800_000_000_000  # 2026-03-10 00:00 UTC


def data(recv: list[int]) -> npt.NDArray[np.void]:
    out = np.zeros(len(recv), MBP1_DTYPE)
    out["ts_recv"] = recv
    out["ts_event"] = recv
    out["sequence"] = np.arange(len(recv))
    return out


def status(recv: list[int], iid: int = 1) -> npt.NDArray[np.void]:
    out = np.zeros(len(recv), STATUS_DTYPE)
    out["ts_recv"] = recv
    out["ts_event"] = recv
    out["instrument_id"] = iid
    return out


def flatten(pieces: list[tuple[str, npt.NDArray[np.void]]]) -> list[tuple[str, int]]:
    return [(kind, int(t)) for kind, part in pieces for t in part["ts_recv"].tolist()]


def test_status_records_go_between_data_records_in_time_order_ties_first() -> None:
    batches = [data([10, 20, 30]), data([30, 40, 50])]
    halts = [status([5, 20]), status([35, 45, 45]), status([60, 70])]

    pieces = [(kind, part.copy()) for kind, part in merge_status(batches, halts)]

    assert flatten(pieces) == [
        ("status", 5),
        ("data", 10),
        ("status", 20),
        ("data", 20),
        ("data", 30),
        ("data", 30),
        ("status", 35),
        ("data", 40),
        ("status", 45),
        ("status", 45),
        ("data", 50),
        ("status", 60),
        ("status", 70),
    ]


def test_without_status_records_the_batches_pass_whole() -> None:
    batches = [data([1, 2]), data([3])]
    pieces = list(merge_status(batches, []))
    assert [len(p) for _, p in pieces] == [2, 1]
    assert all(kind == "data" for kind, _ in pieces)


def test_ids_are_translated_through_the_symbol_of_their_day() -> None:
    day = dt.date(2026, 3, 10)
    recs = np.concatenate(
        [status([DAY_NS + 1], iid=501), status([DAY_NS + 2], iid=502), status([DAY_NS + 3], 9)]
    )
    source = {day: {501: "AAPL", 502: "ZZZZ", 9: "MSFT"}}
    target = {day: {7: "AAPL", 8: "MSFT"}}

    out = translate_ids(recs, lambda d: source[d], lambda d: target[d])

    assert out["instrument_id"].tolist() == [7, NO_INSTRUMENT, 8]
    assert recs["instrument_id"].tolist() == [501, 502, 9]  # the input is left alone
