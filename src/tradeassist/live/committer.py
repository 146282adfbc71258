"""Alert (and bar) commits in a process of their own, so a commit never waits for the event loop.

The screener's event loop is busy most of the time: it takes batches from the
feed process and runs the engine over them, holding the interpreter lock. A
commit run on that loop waited behind whatever batch the loop was on at every
step (aiosqlite's hand-offs, asyncpg's replies), and so did a commit on a
thread of the same process, at every point where the driver let go of the
lock. The :class:`Committer` hands alerts, as soon as the engine raises them,
over a pipe to a child process that does nothing but commit: whatever waits
when a commit ends goes in the next one. Its answers (the rows stored, or the
error) come back to the screener's loop, which records latencies, publishes
and spools; the commit time is taken in the child, on the system-wide
monotonic clock ``time.perf_counter_ns()`` reads on Linux.

After a failed commit the child pauses: alerts that reach it afterwards are
answered as skipped (the screener spooled them already) until it is told to
resume; explicit :meth:`Committer.commit` calls (flushing the spool) run even
while paused. A child that dies is started again at the next commit. The child
ignores SIGINT and SIGTERM (the screener stops it by message, after the last
commit) and leaves when the screener goes away.

Completed bars go to the same process (:mod:`.store_process`), which writes
them between alert commits in transactions of about a millisecond: one writer
(SQLite has one at a time), and no bar statement built on the screener's loop.
The store it writes to is an :class:`~.alert_store.AlertStore`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import pickle
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Protocol

import numpy as np

from tradeassist.domain.alerts import Alert
from tradeassist.errors import StorageError
from tradeassist.live.alert_store import AlertStore
from tradeassist.live.store_process import serve
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.alerts import StoredAlert

__all__ = ["CommitOutcome", "Committer"]

log = logging.getLogger(__name__)

_BAR_COLUMNS = ("slot", "start", "open", "high", "low", "close", "volume", "trades", "pv")
# Bytes sent and not yet read by the store process, at most: a pipe holds 64 KiB,
# and a process busy with a commit must never make a send block the screener's loop.
_WINDOW_BYTES = 48 * 1024
_CTX = mp.get_context("spawn")


class _Pending(Protocol):
    """An alert with the arrival time of its record (``live.sink.PendingAlert``)."""

    @property
    def alert(self) -> Alert: ...

    @property
    def arrival_ns(self) -> int: ...


@dataclass(frozen=True, slots=True)
class CommitOutcome:
    """One commit of :meth:`Committer.put` alerts, as the caller's loop receives it.

    ``stored``: the rows stored now; ``committed_ns``: when the commit returned
    (``time.perf_counter_ns()`` in the commit process); ``error`` instead of both
    when it failed. Per alert, ``sent_ns`` (when it went to the commit process)
    and ``started_ns`` (when its transaction began) split the time into hand-over
    and committing.
    """

    batch: list[_Pending]
    stored: list[StoredAlert]
    committed_ns: int
    error: Exception | None = None
    sent_ns: list[int] = field(default_factory=list)
    started_ns: int = 0


class Committer:
    """Hands alerts and bars to the commit process; see the module docstring.

    ``on_commit`` receives each commit of alerts handed to :meth:`put`;
    ``on_bars`` the number of bars each bar transaction stored.
    """

    def __init__(
        self,
        store: AlertStore,
        *,
        on_commit: Callable[[CommitOutcome], None],
        on_bars: Callable[[int], None] = lambda stored: None,
        max_batch: int = 500,
        clock: Callable[[], int] = time.perf_counter_ns,
    ) -> None:
        self._store = store
        self._on_commit = on_commit
        self._on_bars = on_bars
        self._max_batch = max_batch
        self._clock = clock
        self._seq = 0
        self._sent: dict[int, tuple[list[_Pending], int]] = {}  # seq: alerts, when put
        self._out: deque[tuple[int, bytes]] = deque()  # over the window: (seq, message)
        self._written = 0  # bytes written to the pipe
        self._read = 0  # of which the commit process has read
        self._calls: dict[int, asyncio.Future[tuple[list[StoredAlert], int]]] = {}
        self._symbols = 0  # how many of the engine's symbols the process knows
        self.bars_submitted = 0
        self.bars_stored = 0
        self._bars_failing = False
        self._paused = False
        self._stopping = False
        self._stopped: asyncio.Future[int] | None = None
        self._conn: Connection | None = None
        self._proc: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = asyncio.Event()

    @property
    def idle(self) -> bool:
        """No alert waiting for an answer."""
        return not (self._sent or self._calls)

    @property
    def bars_pending(self) -> int:
        return self.bars_submitted - self.bars_stored

    def start(self) -> None:
        """Start the commit process; answers are handled on the running loop."""
        self._loop = asyncio.get_running_loop()
        self._spawn()

    async def ready(self) -> None:
        """Return once the commit process has started and waits for alerts."""
        await self._ready.wait()

    def put(self, alerts: Sequence[_Pending]) -> None:
        """Send alerts to the commit process (never blocks)."""
        if not alerts:
            return
        self._seq += 1
        batch = list(alerts)
        self._sent[self._seq] = (batch, self._clock())
        self._write(self._seq, ("put", self._seq, [p.alert for p in batch]))

    def put_bars(self, bars: BarSet) -> None:
        """Send completed bars to the commit process (never blocks)."""
        if not len(bars):
            return
        known, symbols = self._symbols, bars.symbols
        reset = len(symbols) < known
        new = symbols if reset else symbols[known:]
        self._symbols = len(symbols)
        columns = np.stack([getattr(bars, name) for name in _BAR_COLUMNS])
        self.bars_submitted += len(bars)
        self._write(0, ("bars", 0, new, columns, reset))

    async def commit(self, alerts: list[Alert]) -> tuple[list[StoredAlert], int]:
        """Commit ``alerts`` now (also while paused): the rows stored and the commit
        time. Raises StorageError when the database cannot be used."""
        if self._conn is None:
            self._spawn()
        assert self._loop is not None
        self._seq += 1
        future: asyncio.Future[tuple[list[StoredAlert], int]] = self._loop.create_future()
        self._calls[self._seq] = future
        self._write(self._seq, ("call", self._seq, alerts))
        return await future

    def resume(self) -> None:
        """Commit alerts again after a failure."""
        if self._paused:
            self._write(0, ("resume", 0))
        self._paused = False

    def take_unfinished(self) -> list[_Pending]:
        """Every alert put and not known to be committed; the caller keeps them (a
        repeat commit stores each once)."""
        rest = [p for batch, _ in self._sent.values() for p in batch]
        self._out = deque((seq, data) for seq, data in self._out if seq not in self._sent)
        self._sent.clear()
        return rest

    async def stop(self, seconds: float) -> None:
        """Stop the commit process once it has written what it has (bars for a while
        at most); waits ``seconds`` at most."""
        self._stopping = True
        if self._conn is None or self._proc is None or self._loop is None:
            return
        proc = self._proc
        self._stopped = self._loop.create_future()
        self._write(0, ("stop", 0))
        with contextlib.suppress(TimeoutError):
            left = await asyncio.wait_for(asyncio.shield(self._stopped), seconds)
            if left:
                log.warning("%d bars not stored at shutdown", left)
        await self._loop.run_in_executor(None, proc.join, 0.5)
        if proc.is_alive():
            proc.kill()
        self._close_conn()

    def _spawn(self) -> None:
        ours, theirs = _CTX.Pipe(duplex=True)
        proc = _CTX.Process(
            target=serve, args=(self._store, theirs, self._max_batch), name="alert-committer"
        )
        proc.daemon = True
        proc.start()
        theirs.close()
        self._conn, self._proc = ours, proc
        self._written = self._read = 0
        self._symbols = 0
        assert self._loop is not None
        self._loop.add_reader(ours.fileno(), self._readable)
        self._flush()  # what was put before the process existed

    def _close_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._loop is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(conn.fileno())
            conn.close()

    def _write(self, seq: int, message: tuple[Any, ...]) -> None:
        self._out.append((seq, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)))
        self._flush()

    def _flush(self) -> None:
        """Write queued messages while the pipe surely has room for them."""
        conn = self._conn
        while self._out and conn is not None and self._written - self._read <= _WINDOW_BYTES:
            _, data = self._out.popleft()
            try:
                conn.send_bytes(data)
            except OSError:
                self._gone()
                return
            self._written += len(data)

    def _readable(self) -> None:
        conn = self._conn
        try:
            while conn is not None and conn is self._conn and conn.poll():
                self._answer(pickle.loads(conn.recv_bytes()))
        except (EOFError, OSError):
            self._gone()

    def _answer(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "read":
            self._read = message[1]
            self._flush()
        elif kind == "ready":
            self._ready.set()
        elif kind in ("called", "call_failed"):
            future = self._calls.pop(message[1], None)
            if future is not None and not future.done():
                if kind == "called":
                    future.set_result((message[2], message[4]))
                else:
                    future.set_exception(message[2])
        elif kind == "skipped":
            self._sent.pop(message[1], None)  # spooled when the failure was answered
        elif kind in ("done", "failed"):
            self._answer_commit(message)
        elif kind == "bars":
            self._bars_failing = False
            self.bars_stored += message[2]
            self._on_bars(message[2])
        elif kind == "bars_failed":
            if not self._bars_failing:
                log.warning("cannot store bars yet (%s); they wait in memory", message[2])
            self._bars_failing = True
        elif kind == "dropped":
            self.bars_stored += message[2]  # no longer pending
            log.warning("dropped %d unwritten bars (the database is behind)", message[2])
        elif kind == "stopped" and self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(message[2])

    def _answer_commit(self, message: tuple[Any, ...]) -> None:
        batch: list[_Pending] = []
        sent: list[int] = []
        for seq in message[1]:
            alerts, sent_ns = self._sent.pop(seq, ([], 0))
            batch += alerts
            sent += [sent_ns] * len(alerts)
        if message[0] == "done":
            _, _, stored, started, committed = message
            self._on_commit(CommitOutcome(batch, stored, committed, None, sent, started))
        else:  # the process pauses until resumed
            self._paused = True
            self._on_commit(CommitOutcome(batch, [], 0, message[2], sent))

    def _gone(self) -> None:
        """The commit process died: what it had is unfinished; start another later."""
        self._close_conn()
        if self._proc is not None and not self._proc.is_alive():
            self._proc.join(0)
        self._out.clear()  # a new process starts from nothing
        self.bars_stored = self.bars_submitted  # lost with it; a restart's replay rebuilds
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(0)
        error = StorageError("the alert commit process ended unexpectedly")
        for future in self._calls.values():
            if not future.done():
                future.set_exception(error)
        self._calls.clear()
        if self._stopping:
            return
        self._paused = True
        self._on_commit(CommitOutcome([], [], 0, error))
