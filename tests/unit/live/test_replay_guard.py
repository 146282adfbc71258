"""Resuming a feed with an intraday replay: nothing missing, nothing twice."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.replay_guard import ReplayGuard

NS = 1_000_000_000
T0 = 1_773_133_200 * NS  # 2026-03-10 09:00 UTC


def tape(n: int, *, late_share: float, seed: int) -> npt.NDArray[np.void]:
    """A stream in arrival order; some prints are reported up to 45 s after they happened."""
    rng = np.random.default_rng(seed)
    records = np.zeros(n, dtype=parsing.MBP1_DTYPE)
    recv = T0 + np.cumsum(rng.integers(1_000_000, 50_000_000, size=n))
    late = rng.random(n) < late_share
    records["ts_recv"] = recv
    records["ts_event"] = np.where(late, recv - rng.integers(10 * NS, 45 * NS, size=n), recv)
    records["instrument_id"] = rng.integers(1, 50, size=n)
    records["sequence"] = np.arange(n)
    return records


def replay_from(records: npt.NDArray[np.void], start: int | None) -> npt.NDArray[np.void]:
    """What Databento's gateway sends for ``start``: records with ts_event >= start, in order."""
    if start is None:
        return records
    return records[records["ts_event"] >= np.uint64(start)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_stream_cut_anywhere_and_resumed_is_received_exactly_once(seed: int) -> None:
    records = tape(20_000, late_share=0.02, seed=seed)
    rng = np.random.default_rng(seed)
    guard = ReplayGuard(lookback_ns=60 * NS)
    received: list[npt.NDArray[np.void]] = []
    position = 0  # the gateway's position in the original stream
    start: int | None = None
    while position < records.shape[0]:
        # Each session replays from its start, then goes on live; the connection drops
        # after a random number of records (in pieces of random size).
        guard.begin_session(start)
        sent_before = records[:position]
        session = np.concatenate([replay_from(sent_before, start), records[position:]])
        cut = int(rng.integers(1, 3000))
        stop_at = min(session.shape[0], (session.shape[0] - records.shape[0] + position) + cut)
        offset = 0
        while offset < stop_at:
            step = int(rng.integers(1, 700))
            received.append(guard.admit(session[offset : min(stop_at, offset + step)]))
            offset += step
        position = min(records.shape[0], position + cut)
        start = guard.resume_start()
    got = np.concatenate(received)["sequence"]
    assert got.tolist() == records["sequence"].tolist()
    assert guard.dropped > 0
    assert guard.mismatches == 0


def test_resume_start_is_the_latest_event_minus_the_lookback_on_a_bucket() -> None:
    guard = ReplayGuard(lookback_ns=60 * NS)
    assert guard.resume_start() is None
    records = tape(10, late_share=0.0, seed=4)
    guard.admit(records)
    latest = int(records["ts_event"].max())
    start = guard.resume_start()
    assert start is not None
    assert start % NS == 0
    assert latest - 61 * NS < start <= latest - 60 * NS


def test_a_first_session_drops_nothing() -> None:
    guard = ReplayGuard()
    guard.begin_session(123)  # the configured first start need not be on a bucket
    records = tape(100, late_share=0.0, seed=5)
    assert guard.admit(records).shape[0] == 100
