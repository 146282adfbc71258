"""Alert commits in a process of their own, so a commit never waits for the event loop.

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

:class:`SqlAlertStore` is the real store: the standard ``sqlite3`` driver on
SQLite, asyncpg on PostgreSQL (one autocommit statement per batch). On SQLite
the child holds the :class:`WriteGate` around each transaction, the lock the
bar writer holds around its own, since SQLite has one writer at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import pickle
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from tradeassist.domain.alerts import Alert
from tradeassist.errors import StorageError
from tradeassist.store.alerts import StoredAlert, store_alerts, store_alerts_sync
from tradeassist.store.database import (
    create_engine,
    create_sqlite_sync_engine,
    is_postgres,
    storage_errors,
)

__all__ = ["AlertStore", "CommitOutcome", "Committer", "SqlAlertStore", "WriteGate"]

log = logging.getLogger(__name__)

_GATE_POLL_S = 0.0002
# Bytes of alerts sent and not yet answered, at most: a pipe holds 64 KiB, and a
# child stuck in a commit must never make a send block the screener's loop.
_WINDOW_BYTES = 32 * 1024
_CTX = mp.get_context("spawn")


class _Lock(Protocol):
    def acquire(self, block: bool = ..., timeout: float = ...) -> bool: ...

    def release(self) -> None: ...

    def __enter__(self) -> bool: ...

    def __exit__(self, *args: object) -> None: ...


class _Pending(Protocol):
    """An alert with the arrival time of its record (``live.sink.PendingAlert``)."""

    @property
    def alert(self) -> Alert: ...

    @property
    def arrival_ns(self) -> int: ...


class AlertStore(Protocol):
    """Where the committer writes: made in the screener, used in the commit process
    (so it must pickle)."""

    async def open(self) -> None: ...

    async def store(self, alerts: Sequence[Alert]) -> list[StoredAlert]:
        """Commit ``alerts`` (idempotent); the rows stored now. StorageError when the
        database cannot be used."""
        ...

    async def close(self) -> None: ...


class WriteGate(asyncio.Lock):
    """An ``asyncio.Lock`` another process can hold too: SQLite's one writer at a
    time, shared by the bar writer (on the event loop) and the commit process."""

    def __init__(self) -> None:
        super().__init__()
        self._held: Any = _CTX.Lock()

    async def acquire(self) -> Literal[True]:
        # The holder is another process: there is nothing on this loop to wait for.
        while not self._held.acquire(False):  # noqa: ASYNC110
            await asyncio.sleep(_GATE_POLL_S)
        return True

    def release(self) -> None:
        self._held.release()

    def locked(self) -> bool:
        if self._held.acquire(False):
            self._held.release()
            return False
        return True

    def hold(self) -> _Lock:
        """The lock itself, for the commit process (``with lock: ...``)."""
        lock: _Lock = self._held
        return lock


class SqlAlertStore:
    """Commits alerts to ``database_url`` (see the module docstring)."""

    def __init__(self, database_url: str, *, lock: _Lock | None = None) -> None:
        self._url = database_url
        self._lock = lock
        self._postgres = is_postgres(database_url)
        self._pg: AsyncEngine | None = None
        self._sqlite: Engine | None = None

    async def open(self) -> None:
        if self._postgres:
            # Made on the committer's loop: asyncpg's connections belong to the loop they
            # were made on. No pre-ping: a dropped connection fails one commit, which
            # the sink spools and retries. Autocommit: the insert takes the insert lock
            # itself, so on its own it is the transaction (no BEGIN, no COMMIT).
            engine = create_engine(self._url, pool_pre_ping=False, pool_size=1, max_overflow=1)
            self._pg = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            self._sqlite = create_sqlite_sync_engine(self._url)

    async def store(self, alerts: Sequence[Alert]) -> list[StoredAlert]:
        async with storage_errors(self._url, "store alerts"):
            if self._pg is not None:
                async with self._pg.connect() as conn:
                    return await store_alerts(conn, alerts=alerts)
            assert self._sqlite is not None, "open() first"
            gate = self._lock if self._lock is not None else contextlib.nullcontext()
            with gate, self._sqlite.begin() as conn:
                return store_alerts_sync(conn, alerts=alerts)

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.dispose()
        if self._sqlite is not None:
            self._sqlite.dispose()


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


def _send(conn: Connection, *message: Any) -> None:
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _child(store: AlertStore, conn: Connection, max_batch: int) -> None:
    """The commit process: commit what arrives, answer each message."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    loop = asyncio.new_event_loop()
    paused = False

    def run(alerts: list[Alert]) -> tuple[list[StoredAlert], int, int]:
        started = time.perf_counter_ns()
        stored = loop.run_until_complete(store.store(alerts))
        return stored, started, time.perf_counter_ns()

    try:
        loop.run_until_complete(store.open())
        _send(conn, "ready", 0)
        while True:
            messages = [pickle.loads(conn.recv_bytes())]
            while len(messages) < max_batch and conn.poll():
                messages.append(pickle.loads(conn.recv_bytes()))
            seqs: list[int] = []
            alerts: list[Alert] = []
            for kind, seq, *body in messages:
                if kind == "stop":
                    return
                if kind == "resume":
                    paused = False
                elif kind == "call":
                    try:
                        _send(conn, "called", seq, *run(body[0]))
                    except Exception as exc:
                        _send(conn, "call_failed", seq, _portable(exc))
                elif paused:
                    _send(conn, "skipped", seq)
                else:
                    seqs.append(seq)
                    alerts.extend(body[0])
            if seqs:
                try:
                    _send(conn, "done", seqs, *run(alerts))
                except Exception as exc:
                    paused = True
                    _send(conn, "failed", seqs, _portable(exc))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the screener is gone: nothing to answer
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(store.close())
        loop.close()


def _portable(exc: Exception) -> Exception:
    """``exc`` as it can cross the pipe: a StorageError as it is, anything else as a
    RuntimeError naming it (the store's own exception types need not pickle)."""
    if isinstance(exc, StorageError):
        return StorageError(str(exc))
    return RuntimeError(f"{type(exc).__name__}: {exc}")


class Committer:
    """Hands alerts to the commit process; see the module docstring."""

    def __init__(
        self,
        store: AlertStore,
        *,
        on_commit: Callable[[CommitOutcome], None],
        max_batch: int = 500,
        clock: Callable[[], int] = time.perf_counter_ns,
    ) -> None:
        self._store = store
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._clock = clock
        self._seq = 0
        self._sent: dict[int, tuple[list[_Pending], int, int]] = {}  # seq: alerts, ns, bytes
        self._sent_bytes = 0
        self._local: deque[_Pending] = deque()  # over the window: sent when answers come
        self._calls: dict[int, asyncio.Future[tuple[list[StoredAlert], int]]] = {}
        self._paused = False
        self._stopping = False
        self._conn: Connection | None = None
        self._proc: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = asyncio.Event()

    @property
    def idle(self) -> bool:
        """Nothing waiting for an answer."""
        return not (self._sent or self._local or self._calls)

    @property
    def waiting(self) -> bool:
        """Alerts on their way to the store (the bar writer lets them go first)."""
        return bool(self._sent or self._local)

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
        if self._local or self._sent_bytes > _WINDOW_BYTES or self._conn is None:
            self._local.extend(alerts)
            return
        self._send_put(list(alerts))

    async def commit(self, alerts: list[Alert]) -> tuple[list[StoredAlert], int]:
        """Commit ``alerts`` now (also while paused): the rows stored and the commit
        time. Raises StorageError when the database cannot be used."""
        if self._conn is None:
            self._spawn()
        assert self._loop is not None and self._conn is not None
        self._seq += 1
        future: asyncio.Future[tuple[list[StoredAlert], int]] = self._loop.create_future()
        self._calls[self._seq] = future
        try:
            _send(self._conn, "call", self._seq, alerts)
        except OSError:
            self._calls.pop(self._seq, None)
            raise StorageError("the alert commit process is gone") from None
        return await future

    def resume(self) -> None:
        """Commit alerts again after a failure."""
        if self._paused and self._conn is not None:
            with contextlib.suppress(OSError):
                _send(self._conn, "resume", 0)
        self._paused = False
        self._drain_local()

    def take_unfinished(self) -> list[_Pending]:
        """Every alert put and not known to be committed; the caller keeps them (a
        repeat commit stores each once)."""
        rest = [p for batch, _, _ in self._sent.values() for p in batch]
        rest += self._local
        self._sent.clear()
        self._sent_bytes = 0
        self._local.clear()
        return rest

    async def stop(self, seconds: float) -> None:
        """Stop the commit process after what it has (waits at most ``seconds``)."""
        self._stopping = True
        conn, proc = self._conn, self._proc
        if conn is None or proc is None:
            return
        with contextlib.suppress(OSError):
            _send(conn, "stop", 0)
        await asyncio.get_running_loop().run_in_executor(None, proc.join, seconds)
        if proc.is_alive():
            proc.kill()
        self._close_conn()

    def _spawn(self) -> None:
        ours, theirs = _CTX.Pipe(duplex=True)
        proc = _CTX.Process(
            target=_child, args=(self._store, theirs, self._max_batch), name="alert-committer"
        )
        proc.daemon = True
        proc.start()
        theirs.close()
        self._conn, self._proc = ours, proc
        assert self._loop is not None
        self._loop.add_reader(ours.fileno(), self._readable)
        if not self._paused:
            self._drain_local()  # what was put before the process existed

    def _close_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._loop is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(conn.fileno())
            conn.close()

    def _send_put(self, alerts: list[_Pending]) -> None:
        assert self._conn is not None
        self._seq += 1
        data = pickle.dumps(
            ("put", self._seq, [p.alert for p in alerts]), protocol=pickle.HIGHEST_PROTOCOL
        )
        self._sent[self._seq] = (alerts, self._clock(), len(data))
        self._sent_bytes += len(data)
        try:
            self._conn.send_bytes(data)
        except OSError:
            self._gone()

    def _drain_local(self) -> None:
        while self._local and self._sent_bytes <= _WINDOW_BYTES and self._conn is not None:
            count = min(self._max_batch, len(self._local))
            self._send_put([self._local.popleft() for _ in range(count)])

    def _readable(self) -> None:
        conn = self._conn
        try:
            while conn is not None and conn is self._conn and conn.poll():
                self._answer(pickle.loads(conn.recv_bytes()))
        except (EOFError, OSError):
            self._gone()

    def _answer(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "ready":
            self._ready.set()
            return
        if kind in ("called", "call_failed"):
            future = self._calls.pop(message[1], None)
            if future is not None and not future.done():
                if kind == "called":
                    future.set_result((message[2], message[4]))
                else:
                    future.set_exception(message[2])
            return
        if kind == "skipped":
            self._release(message[1])  # spooled when the failure was answered
            return
        batch: list[_Pending] = []
        sent: list[int] = []
        for seq in message[1]:
            alerts, sent_ns, _ = self._release(seq)
            batch += alerts
            sent += [sent_ns] * len(alerts)
        if kind == "done":
            _, _, stored, started, committed = message
            self._drain_local()
            self._on_commit(CommitOutcome(batch, stored, committed, None, sent, started))
        else:  # failed: the child pauses until resumed
            self._paused = True
            self._on_commit(CommitOutcome(batch, [], 0, message[2], sent))

    def _release(self, seq: int) -> tuple[list[_Pending], int, int]:
        entry = self._sent.pop(seq, None)
        if entry is None:
            return [], 0, 0
        self._sent_bytes -= entry[2]
        return entry

    def _gone(self) -> None:
        """The commit process died: what it had is unfinished; start another later."""
        self._close_conn()
        if self._proc is not None and not self._proc.is_alive():
            self._proc.join(0)
        error = StorageError("the alert commit process ended unexpectedly")
        for future in self._calls.values():
            if not future.done():
                future.set_exception(error)
        self._calls.clear()
        if self._stopping:
            return
        self._paused = True
        self._on_commit(CommitOutcome([], [], 0, error))
