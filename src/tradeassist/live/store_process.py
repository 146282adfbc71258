"""The store process of the live screener: commits alerts first, bars in between.

It reads what the screener sends over its pipe (pickled tuples): ``put``
(alerts to commit; whatever arrived meanwhile goes in the same transaction),
``bars`` (completed bars, with the symbols the process does not know yet),
``call`` (alerts to commit and answer on their own: a spool flush),
``resume`` and ``stop``. It answers ``read`` (bytes read so far: the
screener's send window), ``done``/``failed`` per commit, ``bars`` per bar
transaction, and ``stopped`` with the number of bars left unwritten. After a
failed commit it pauses: alerts that arrive are answered ``skipped`` (the
screener spools them) until ``resume``. Bars are written when no message
waits, in transactions sized to take about ``_BAR_BUDGET_S``; while the
database is down they wait here (bounded, oldest dropped first).
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import signal
import time
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from tradeassist.domain.alerts import Alert
from tradeassist.errors import StorageError
from tradeassist.live.alert_store import AlertStore
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.alerts import StoredAlert

__all__ = ["portable", "send", "serve"]

_MAX_BARS_PENDING = 2_000_000
# Seconds one bar transaction should take (an alert may wait that long), the chunk
# sizes, how long a stop may spend writing what is left, and the wait after a
# failed bar write.
_BAR_BUDGET_S = 0.001
_FIRST_BAR_CHUNK = 200
_MIN_BAR_CHUNK = 50
_MAX_BAR_CHUNK = 5000
_CLOSE_BAR_CHUNK = 10_000
_BARS_CLOSE_S = 1.5  # within the sink's 2 s wait for this process at a stop
_BARS_RETRY_S = 1.0


def send(conn: Connection, *message: Any) -> None:
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


class _Server:
    """The commit process: alerts first, bars when no alert waits."""

    def __init__(self, store: AlertStore, conn: Connection, max_batch: int) -> None:
        self._store = store
        self._conn = conn
        self._max_batch = max_batch
        self._loop = asyncio.new_event_loop()
        self._paused = False
        self._read = 0  # bytes read, acknowledged to the screener (its send window)
        self._symbols: tuple[str, ...] = ()
        self._bars: deque[BarSet] = deque()
        self._pending = 0
        self._chunk = _FIRST_BAR_CHUNK
        self._bars_retry_at = 0.0

    def serve(self) -> None:
        try:
            self._loop.run_until_complete(self._store.open())
            send(self._conn, "ready", 0)
            while self._step():
                pass
        except (EOFError, OSError, KeyboardInterrupt):
            pass  # the screener is gone: nothing to answer
        finally:
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(self._store.close())
            self._loop.close()

    def _step(self) -> bool:
        conn = self._conn
        if self._bars and not conn.poll() and time.monotonic() >= self._bars_retry_at:
            self._write_bars(self._chunk, adapt=True)
            return True
        if self._bars and not conn.poll(max(0.0, self._bars_retry_at - time.monotonic())):
            return True
        messages = [self._recv()]
        while len(messages) < self._max_batch and conn.poll():
            messages.append(self._recv())
        send(conn, "read", self._read)
        seqs: list[int] = []
        alerts: list[Alert] = []
        for kind, seq, *body in messages:
            if kind == "stop":
                self._commit(seqs, alerts)
                self._finish_bars()
                send(conn, "stopped", 0, self._pending)
                return False
            if kind == "resume":
                self._paused = False
            elif kind == "bars":
                self._add_bars(*body)
            elif kind == "call":
                try:
                    send(conn, "called", seq, *self._run(body[0]))
                except Exception as exc:
                    send(conn, "call_failed", seq, portable(exc))
            elif self._paused:
                send(conn, "skipped", seq)
            else:
                seqs.append(seq)
                alerts.extend(body[0])
        self._commit(seqs, alerts)
        return True

    def _recv(self) -> tuple[Any, ...]:
        data = self._conn.recv_bytes()
        self._read += len(data)
        message: tuple[Any, ...] = pickle.loads(data)
        return message

    def _run(self, alerts: list[Alert]) -> tuple[list[StoredAlert], int, int]:
        started = time.perf_counter_ns()
        stored = self._loop.run_until_complete(self._store.store(alerts))
        return stored, started, time.perf_counter_ns()

    def _commit(self, seqs: list[int], alerts: list[Alert]) -> None:
        if not seqs:
            return
        try:
            send(self._conn, "done", seqs, *self._run(alerts))
        except Exception as exc:
            self._paused = True
            send(self._conn, "failed", seqs, portable(exc))

    def _add_bars(self, symbols: tuple[str, ...], columns: Any, reset: bool) -> None:
        if reset or symbols:
            self._symbols = symbols if reset else self._symbols + symbols
        bars = BarSet(self._symbols, *columns)
        self._bars.append(bars)
        self._pending += len(bars)
        dropped = 0
        while self._pending > _MAX_BARS_PENDING and len(self._bars) > 1:
            oldest = self._bars.popleft()  # a restart's replay rebuilds them anyway
            self._pending -= len(oldest)
            dropped += len(oldest)
        if dropped:
            send(self._conn, "dropped", 0, dropped)

    def _take(self, size: int) -> BarSet:
        parts: list[BarSet] = []
        while self._bars and size > 0:
            first = self._bars[0]
            if len(first) <= size:
                parts.append(self._bars.popleft())
            else:
                parts.append(first.part(0, size))
                self._bars[0] = first.part(size, len(first))
            size -= len(parts[-1])
        return BarSet.concat(parts)

    def _write_bars(self, size: int, *, adapt: bool) -> bool:
        chunk = self._take(size)
        started = time.perf_counter()
        try:
            self._loop.run_until_complete(self._store.store_bars(chunk))
        except Exception as exc:
            self._bars.appendleft(chunk)
            self._bars_retry_at = time.monotonic() + _BARS_RETRY_S
            send(self._conn, "bars_failed", 0, str(exc))
            return False
        took = time.perf_counter() - started
        self._pending -= len(chunk)
        if adapt and len(chunk) == size and took > 0:
            # Aim each bar transaction at the budget: an alert may wait that long.
            scaled = int(size * _BAR_BUDGET_S / took)
            self._chunk = max(_MIN_BAR_CHUNK, min(_MAX_BAR_CHUNK, scaled, 2 * size))
        send(self._conn, "bars", 0, len(chunk), self._pending)
        return True

    def _finish_bars(self) -> None:
        """At a stop: write what is left in large chunks, for a while at most."""
        until = time.monotonic() + _BARS_CLOSE_S
        while self._bars and time.monotonic() < until:
            if not self._write_bars(_CLOSE_BAR_CHUNK, adapt=False):
                return


def serve(store: AlertStore, conn: Connection, max_batch: int) -> None:
    """The commit process's entry point."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _Server(store, conn, max_batch).serve()


def portable(exc: Exception) -> Exception:
    """``exc`` as it can cross the pipe: a StorageError as it is, anything else as a
    RuntimeError naming it (the store's own exception types need not pickle)."""
    if isinstance(exc, StorageError):
        return StorageError(str(exc))
    return RuntimeError(f"{type(exc).__name__}: {exc}")
