"""From the official client's byte stream to batches of records, without a record object.

The client (``databento.Live``) runs on its own thread and event loop; it
writes each record's bytes to the stream given to ``add_stream``. A
:class:`ChunkStream` gathers the writes of one network read (one loop
iteration) into a chunk stamped with its arrival time and hands it over to
the :class:`ChunkOutbox`, thread-safely. On the feed's event loop the
:class:`StreamConsumer` decodes chunks into record arrays, drops what an
intraday replay sends again (:class:`ReplayGuard`, one per schema), tracks
symbol mappings and gateway messages, and hands :class:`FeedBatch` es to the
screener. Status records (halts) keep their place among the MBP-1 records: a
batch holds the status records that come before its MBP-1 records.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import databento_dbn as dbn
import numpy as np
import numpy.typing as npt

from tradeassist.errors import AuthenticationError, FeedError, TradeAssistError
from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.feed_types import BatchHandler, FeedBatch, FeedStatus
from tradeassist.feeds.databento.replay_guard import ReplayGuard
from tradeassist.feeds.databento.stream_decoder import DbnStreamDecoder, GatewayMessage

__all__ = ["ChunkOutbox", "ChunkStream", "SessionState", "StreamConsumer"]

log = logging.getLogger(__name__)

# Gateway errors that retrying cannot fix; the others (an internal error, too many
# connections, records skipped for a slow reader) end the session, and the replay
# on reconnecting recovers what they cost.
_AUTH_ERRORS = {int(dbn.ErrorCode.AUTH_FAILED), int(dbn.ErrorCode.API_KEY_DEACTIVATED)}
_FATAL_ERRORS = {
    int(dbn.ErrorCode.INVALID_SUBSCRIPTION),
    int(dbn.ErrorCode.SYMBOL_RESOLUTION_FAILED),
    int(dbn.ErrorCode.REPLAY_DATA_AGED_OUT),  # down for over a day: the gap is gone for good
}
_SLOW_READER_WARNING = int(dbn.SystemCode.SLOW_READER_WARNING)


@dataclass(eq=False, slots=True)
class SessionState:
    """One connection's share of the stream; ``start`` is its replay start (UTC ns)."""

    number: int
    start: int | None
    last_data: float = field(default_factory=time.monotonic)
    received: int = 0  # records admitted from this session
    ended: bool = False
    fatal: TradeAssistError | None = None
    drained: asyncio.Event = field(default_factory=asyncio.Event)


_END = b""  # a chunk with no bytes marks the end of a session


class ChunkOutbox:
    """Chunks from the client's thread to the feed's event loop, in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: deque[tuple[SessionState, bytes, int]] = deque()
        self._ready = asyncio.Event()

    def put(self, session: SessionState, data: bytes, arrival_ns: int) -> None:
        """Any thread."""
        self._items.append((session, data, arrival_ns))
        self._loop.call_soon_threadsafe(self._ready.set)

    def end_session(self, session: SessionState) -> None:
        """The feed's loop: nothing more of ``session`` will be delivered."""
        self._items.append((session, _END, 0))
        self._ready.set()

    async def take(self) -> list[tuple[SessionState, bytes, int]]:
        """Every chunk waiting (at least one)."""
        while True:
            self._ready.clear()
            if self._items:
                out = []
                while self._items:
                    out.append(self._items.popleft())
                return out
            await self._ready.wait()


class ChunkStream:
    """The writable given to ``Live.add_stream``: called on the client's thread per record.

    ``write`` is the hot path (one call per record): a list append, and on the
    first write of a read, a stamp and a call scheduled for after the read. The
    client calls ``write`` and ``flush`` on its own thread; ``flush`` from
    another thread (the client's cleanup) can only race with a session that is
    ending, whose replay recovers anything lost that way.
    """

    def __init__(self, session: SessionState, outbox: ChunkOutbox) -> None:
        self._session = session
        self._outbox = outbox
        self._parts: list[bytes] = []
        self._arrival = 0
        self._scheduled = False

    def writable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return False

    def write(self, data: bytes) -> int:
        parts = self._parts
        if not parts:
            self._arrival = time.perf_counter_ns()
        parts.append(data)
        if not self._scheduled:
            self._scheduled = True
            try:
                # After the client has dispatched the rest of this read: one chunk per read.
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:
                self.flush()
        return len(data)

    def flush(self) -> None:
        self._scheduled = False
        parts, self._parts = self._parts, []
        if not parts:
            return
        self._session.last_data = time.monotonic()
        self._outbox.put(self._session, b"".join(parts), self._arrival)

    def close(self) -> None:
        self.flush()


class _Batches:
    """Accumulates admitted records and mappings into FeedBatches, in order: a batch is
    its mappings, then its status records, then its MBP-1 records."""

    def __init__(self, handler: BatchHandler, max_records: int) -> None:
        self._handler = handler
        self._max = max_records
        self._records: list[npt.NDArray[np.void]] = []
        self._arrivals: list[npt.NDArray[np.int64]] = []
        self._status: list[npt.NDArray[np.void]] = []
        self._status_arrivals: list[npt.NDArray[np.int64]] = []
        self._count = 0
        self._symbols: dict[int, str] = {}

    def records(self, records: npt.NDArray[np.void], arrival_ns: int) -> None:
        if records.shape[0]:
            self._records.append(records)
            self._arrivals.append(np.full(records.shape[0], arrival_ns, dtype=np.int64))
            self._count += records.shape[0]
            if self._count >= self._max:
                self.flush()

    def status(self, records: npt.NDArray[np.void], arrival_ns: int) -> None:
        if records.shape[0]:
            if self._records:  # a batch's status records come before its MBP-1 records
                self.flush()
            self._status.append(records)
            self._status_arrivals.append(np.full(records.shape[0], arrival_ns, dtype=np.int64))
            self._count += records.shape[0]

    def mapping(self, interval: parsing.SymbolInterval) -> None:
        if self._records or self._status:  # a mapping applies to the records after it only
            self.flush()
        self._symbols[interval.instrument_id] = interval.symbol

    def flush(self) -> None:
        if not self._records and not self._symbols and not self._status:
            return
        records, arrivals = _joined(self._records, self._arrivals, parsing.MBP1_DTYPE)
        status, status_arrivals = _joined(self._status, self._status_arrivals, parsing.STATUS_DTYPE)
        batch = FeedBatch(records, arrivals, self._symbols, status, status_arrivals)
        self._records, self._arrivals, self._count, self._symbols = [], [], 0, {}
        self._status, self._status_arrivals = [], []
        self._handler(batch)


def _joined(
    parts: list[npt.NDArray[np.void]], arrivals: list[npt.NDArray[np.int64]], dtype: np.dtype[Any]
) -> tuple[npt.NDArray[np.void], npt.NDArray[np.int64]]:
    if len(parts) == 1:
        return parts[0], arrivals[0]
    if parts:
        return np.concatenate(parts), np.concatenate(arrivals)
    return np.empty(0, dtype), np.empty(0, np.int64)


class StreamConsumer:
    """Decodes every session's chunks in order and delivers batches (the feed's loop)."""

    def __init__(
        self,
        outbox: ChunkOutbox,
        guard: ReplayGuard,
        status: FeedStatus,
        *,
        max_records: int,
        backlog_warn_bytes: int,
        on_message: Callable[[GatewayMessage], None] | None = None,
        status_guard: ReplayGuard | None = None,
    ) -> None:
        self._outbox = outbox
        self._guard = guard
        self._status_guard = status_guard if status_guard is not None else ReplayGuard()
        self._status = status
        self._max = max_records
        self._backlog_warn = backlog_warn_bytes
        self._on_message = on_message
        self._current: SessionState | None = None
        self._decoder = DbnStreamDecoder()
        self._last_backlog_warning = 0.0

    async def run(self, handler: BatchHandler, stopped: Callable[[], bool]) -> None:
        """Consume until a session ends while ``stopped()`` is true."""
        batches = _Batches(handler, self._max)
        while True:
            chunks = await self._outbox.take()
            self._warn_backlog(sum(len(chunk[1]) for chunk in chunks))
            for session, data, arrival in chunks:
                if not data:
                    batches.flush()
                    session.ended = True
                    session.drained.set()
                    if stopped():
                        return
                    continue
                if session.ended:
                    continue  # written after we gave up the session: its replay recovers it
                if session is not self._current:
                    batches.flush()
                    self._current = session
                    self._decoder = DbnStreamDecoder()
                    self._guard.begin_session(session.start)
                    self._status_guard.begin_session(session.start)
                self._decode(session, data, arrival, batches)
            batches.flush()

    def _decode(self, session: SessionState, data: bytes, arrival: int, batches: _Batches) -> None:
        status = self._status
        for piece in self._decoder.decode(data):
            if isinstance(piece, np.ndarray) and piece.dtype == parsing.STATUS_DTYPE:
                fresh = self._admit(self._status_guard, piece, session)
                if fresh.shape[0]:
                    status.status_records += fresh.shape[0]
                    batches.status(fresh, arrival)
            elif isinstance(piece, np.ndarray):
                fresh = self._admit(self._guard, piece, session)
                if fresh.shape[0]:
                    status.records += fresh.shape[0]
                    status.last_record_at = time.monotonic()
                    status.last_ts_event = self._guard.latest_ts_event
                    status.last_ts_recv = int(fresh["ts_recv"][-1])
                    batches.records(fresh, arrival)
            elif isinstance(piece, parsing.SymbolInterval):
                batches.mapping(piece)
            else:
                self._message(session, piece)

    def _admit(
        self, guard: ReplayGuard, records: npt.NDArray[np.void], session: SessionState
    ) -> npt.NDArray[np.void]:
        """The records ``guard`` has not seen before (counted as received)."""
        fresh = guard.admit(records)
        self._status.duplicates_dropped = self._guard.dropped + self._status_guard.dropped
        session.received += fresh.shape[0]
        return fresh

    def _message(self, session: SessionState, msg: GatewayMessage) -> None:
        if self._on_message is not None:
            self._on_message(msg)
        if msg.is_heartbeat:
            return
        if not msg.error:
            if msg.code == _SLOW_READER_WARNING:
                self._status.gateway_warnings += 1
                log.warning("Databento gateway: %s", msg.text)
            else:
                log.info("Databento gateway: %s", msg.text)
            return
        self._status.last_error = msg.text
        if msg.code in _AUTH_ERRORS:
            session.fatal = AuthenticationError(
                f"Databento gateway refused the API key: {msg.text}"
            )
        elif msg.code in _FATAL_ERRORS:
            session.fatal = FeedError(f"Databento gateway error: {msg.text}")
        else:
            log.warning("Databento gateway error (will reconnect and replay): %s", msg.text)

    def _warn_backlog(self, backlog: int) -> None:
        """``backlog`` bytes were waiting: the client delivers faster than we screen."""
        now = time.monotonic()
        if backlog > self._backlog_warn and now - self._last_backlog_warning > 10.0:
            self._last_backlog_warning = now
            log.warning(
                "the screener is %.0f MB behind the feed; nothing is dropped, but alerts are late",
                backlog / 1e6,
            )
