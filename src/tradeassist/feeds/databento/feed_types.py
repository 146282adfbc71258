"""What a live market-data feed hands the screener, and what it says about itself."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.databento import parsing

__all__ = ["BatchHandler", "FeedBatch", "FeedStatus", "MarketFeed"]


def _no_status() -> npt.NDArray[np.void]:
    return np.empty(0, parsing.STATUS_DTYPE)


def _no_arrivals() -> npt.NDArray[np.int64]:
    return np.empty(0, np.int64)


@dataclass(frozen=True, slots=True)
class FeedBatch:
    """Records in stream order, each once, with the symbol mappings that precede them.

    ``records`` is an array of ``parsing.MBP1_DTYPE`` the receiver owns;
    ``arrival_ns`` holds, per record, when its bytes reached this process
    (``time.perf_counter_ns()``); ``symbols`` maps instrument ids announced
    before these records (apply it first; ids are unique within a day only).
    ``status`` holds the trading-status records (``parsing.STATUS_DTYPE``: halts,
    resumptions) that came after the mappings and before ``records`` (screen them
    second), with their ``status_arrival_ns``; empty unless the feed asks for them.
    """

    records: npt.NDArray[np.void]
    arrival_ns: npt.NDArray[np.int64]
    symbols: Mapping[int, str] = field(default_factory=dict)
    status: npt.NDArray[np.void] = field(default_factory=_no_status)
    status_arrival_ns: npt.NDArray[np.int64] = field(default_factory=_no_arrivals)


BatchHandler = Callable[[FeedBatch], None]
"""Receives each batch on the feed's event loop; it must not block for long."""


@dataclass(slots=True)
class FeedStatus:
    """The feed's state for health checks and metrics (monotonic times in seconds)."""

    state: str = "idle"  # connecting, streaming, stale, backoff, stopped, failed
    connected: bool = False
    sessions: int = 0
    reconnects: int = 0
    records: int = 0
    status_records: int = 0  # trading-status records (halts, resumptions)
    duplicates_dropped: int = 0
    gateway_warnings: int = 0
    last_data_at: float | None = None  # any bytes (records or heartbeats)
    last_record_at: float | None = None
    last_ts_event: int | None = None  # UTC ns of the latest record
    last_ts_recv: int | None = None
    last_error: str | None = None

    def seconds_since_record(self) -> float | None:
        """Seconds since the last market-data record arrived (None before the first)."""
        if self.last_record_at is None:
            return None
        return time.monotonic() - self.last_record_at


class MarketFeed(Protocol):
    """A live feed the screener service runs: records in, until stopped."""

    @property
    def status(self) -> FeedStatus: ...

    async def run(self, on_batch: BatchHandler) -> None:
        """Deliver batches until :meth:`stop`; every record received is delivered before
        this returns. Raises FeedError (or AuthenticationError) when the feed cannot go on."""
        ...

    def stop(self) -> None:
        """Ask :meth:`run` to finish (call on the feed's event loop)."""
        ...
