"""Exactly once across reconnections: where to resume, and what to drop on resuming.

After a disconnection the feed subscribes again with an intraday replay from
``start`` (UTC ns). Databento filters a replay on ``ts_event`` and sends the
records in their original order, so the replay is the subsequence of the
original stream with ``ts_event >= start``. Of it, exactly the first ``m``
records were already received, where ``m`` counts the received records with
``ts_event >= start``: dropping those ``m`` and keeping the rest loses nothing
and doubles nothing, whatever the order of ``ts_event`` (late prints).

``start`` is the latest ``ts_event`` received minus ``lookback``, floored to a
whole bucket: a record still unsent at the disconnection but stamped earlier
than ``start`` (a print reported over ``lookback`` late) would not be
replayed, so ``lookback`` must exceed the longest reporting delay. Counts are
kept per bucket of ``ts_event`` for the last few lookbacks only: memory is
O(lookback / bucket), not O(records).

A session subscribed to several schemas (MBP-1 and ``status``) is replayed
schema by schema (Databento replays each schema from ``start`` and reports
each one's catch-up), so each schema has a guard of its own, and every guard
begins a session with the same ``start``: :func:`resume_start`.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

__all__ = ["ReplayGuard", "resume_start"]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
_DENSE_BUCKETS = 1 << 16


class ReplayGuard:
    """Tracks received records; says where to resume and how many replayed ones to drop."""

    def __init__(self, *, lookback_ns: int = 60 * _NS, bucket_ns: int = _NS) -> None:
        if lookback_ns < 0 or bucket_ns <= 0:
            raise ValueError("lookback must be >= 0 and bucket > 0 (nanoseconds)")
        self._lookback = lookback_ns
        self._bucket = bucket_ns
        self._counts: dict[int, int] = {}
        self._max_ts: int | None = None
        self._last_key: tuple[int, int, int] | None = None
        self._drop = 0
        self._expect: tuple[int, int, int] | None = None
        self.dropped = 0  # replayed records dropped as already received, in total
        self.mismatches = 0  # replays that did not line up with what was received

    @property
    def latest_ts_event(self) -> int | None:
        return self._max_ts

    def resume_start(self) -> int | None:
        """The replay start for the next subscription; None before any record."""
        if self._max_ts is None:
            return None
        start = max(0, self._max_ts - self._lookback)
        return start - start % self._bucket

    def begin_session(self, start: int | None) -> None:
        """A new session starts whose replay begins at ``start`` (None: no replay)."""
        if start is None:
            self._drop, self._expect = 0, None
            return
        if self._counts and start % self._bucket:
            # Counts are per whole bucket: only a bucket boundary can be counted exactly.
            raise ValueError(f"replay start {start} is not on a {self._bucket} ns boundary")
        first = start // self._bucket
        self._drop = sum(n for b, n in self._counts.items() if b >= first)
        last = self._last_key
        self._expect = last if last is not None and last[0] >= start else None

    def admit(self, records: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
        """The records of ``records`` not received before (in order), and remember them."""
        if self._drop:
            take = min(self._drop, records.shape[0])
            self._drop -= take
            self.dropped += take
            if self._drop == 0 and self._expect is not None:
                self._check(records[take - 1])
            records = records[take:]
        if records.shape[0] == 0:
            return records
        ts = records["ts_event"].view(np.int64)
        buckets = ts // self._bucket
        low, top = int(buckets.min()), int(ts.max())
        if int(buckets.max()) - low < _DENSE_BUCKETS:
            counts = np.bincount(buckets - low)
            present = np.flatnonzero(counts)
            pairs = zip((present + low).tolist(), counts[present].tolist(), strict=True)
        else:  # stray timestamps far apart: count the distinct buckets instead
            values, counted = np.unique(buckets, return_counts=True)
            pairs = zip(values.tolist(), counted.tolist(), strict=True)
        for b, n in pairs:
            self._counts[b] = self._counts.get(b, 0) + n
        if self._max_ts is None or top > self._max_ts:
            self._max_ts = top
            self._prune()
        self._last_key = _key(records[-1])
        return records

    def _check(self, record: np.void) -> None:
        if _key(record) != self._expect:
            self.mismatches += 1
            log.warning("the intraday replay did not line up with the records already received")
        self._expect = None

    def _prune(self) -> None:
        assert self._max_ts is not None
        if len(self._counts) < 64:
            return
        horizon = (self._max_ts - 4 * self._lookback) // self._bucket - 1
        for b in [b for b in self._counts if b < horizon]:
            del self._counts[b]


def _key(record: np.void) -> tuple[int, int, int]:
    """What tells a record from its neighbours: times, instrument, and its sequence number
    (records without one, such as status records, by ``ts_recv``)."""
    names = record.dtype.names or ()
    third = record["sequence"] if "sequence" in names else record["ts_recv"]
    return int(record["ts_event"]), int(record["instrument_id"]), int(third)


def resume_start(guards: list[ReplayGuard]) -> int | None:
    """The replay start of the next subscription of every schema: from the latest event
    any schema received (None before any record)."""
    starts = [s for g in guards if (s := g.resume_start()) is not None]
    return max(starts) if starts else None
