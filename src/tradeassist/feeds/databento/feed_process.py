"""The supervised live feed in a process of its own, handing batches over a pipe.

The official client turns every record into a Python object on its own
thread, about 2 microseconds each: at 200,000 records per second that is
nearly half of what one interpreter lock can give. :class:`ProcessFeed` runs
the whole :class:`~.live.LiveFeed` (client, decoding, supervision, replay
guard) in a child process and receives its batches as raw bytes (records,
status records, arrival times, mappings), so the screener's process keeps its
lock for the engine and the store. Arrival times are
``time.perf_counter_ns()``, which is the system-wide monotonic clock on Linux,
so they compare across processes.

The child ignores SIGINT and SIGTERM (the parent stops it by message, after
everything it received is handed over) and stops by itself when the parent
goes away. Errors in the child come back as the same one-line
FeedError/AuthenticationError.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import signal
import struct
import sys
from dataclasses import asdict
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from pydantic import SecretStr

from tradeassist.errors import AuthenticationError, ConfigError, FeedError, TradeAssistError
from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.feed_types import BatchHandler, FeedBatch, FeedStatus
from tradeassist.feeds.databento.live import LiveFeed, LiveFeedConfig

__all__ = ["ProcessFeed"]

_HEAD = struct.Struct("<cIII")  # kind, records, status records, bytes of JSON
_BATCH, _STATUS, _ERROR, _DONE, _STOP = b"B", b"S", b"E", b"D", b"X"
_STATUS_EVERY_S = 0.25
_ERRORS: dict[str, type[TradeAssistError]] = {
    "AuthenticationError": AuthenticationError,
    "ConfigError": ConfigError,
    "FeedError": FeedError,
}


def _message(
    kind: bytes, document: Any = None, records: int = 0, body: bytes = b"", status: int = 0
) -> bytes:
    text = b"" if document is None else json.dumps(document).encode()
    return _HEAD.pack(kind, records, status, len(text)) + text + body


def _encode_batch(batch: FeedBatch) -> bytes:
    symbols = {str(k): v for k, v in batch.symbols.items()}
    body = b"".join(
        (
            batch.records.tobytes(),
            batch.arrival_ns.astype(np.int64, copy=False).tobytes(),
            batch.status.tobytes(),
            batch.status_arrival_ns.astype(np.int64, copy=False).tobytes(),
        )
    )
    return _message(_BATCH, symbols, batch.records.shape[0], body, batch.status.shape[0])


def _decode_batch(records: int, halts: int, document: Any, body: memoryview) -> FeedBatch:
    a = records * parsing.MBP1_DTYPE.itemsize
    b = a + records * 8
    c = b + halts * parsing.STATUS_DTYPE.itemsize
    return FeedBatch(
        np.frombuffer(body[:a], dtype=parsing.MBP1_DTYPE).copy(),
        np.frombuffer(body[a:b], dtype=np.int64).copy(),
        {int(k): str(v) for k, v in document.items()},
        np.frombuffer(body[b:c], dtype=parsing.STATUS_DTYPE).copy(),
        np.frombuffer(body[c:], dtype=np.int64).copy(),
    )


def _child(config: LiveFeedConfig, key: str, conn: Connection) -> None:
    """The child process: run the feed, send everything to ``conn``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The client decodes on its own thread: hand the lock to our thread within half a
    # millisecond (not 5), so a chunk it delivered is forwarded at once.
    sys.setswitchinterval(0.0005)

    async def main() -> None:
        feed = LiveFeed(config, api_key=key)
        loop = asyncio.get_running_loop()

        def control() -> None:
            try:
                if conn.poll() and conn.recv_bytes() != _STOP:
                    return
            except (EOFError, OSError):
                pass  # the parent is gone: stop too
            feed.stop()
            loop.remove_reader(conn.fileno())

        async def report() -> None:
            while True:
                conn.send_bytes(_message(_STATUS, asdict(feed.status)))
                await asyncio.sleep(_STATUS_EVERY_S)

        loop.add_reader(conn.fileno(), control)
        reporting = asyncio.create_task(report())
        try:
            await feed.run(lambda batch: conn.send_bytes(_encode_batch(batch)))
        except TradeAssistError as exc:
            conn.send_bytes(_message(_ERROR, {"kind": type(exc).__name__, "message": str(exc)}))
        finally:
            reporting.cancel()
        conn.send_bytes(_message(_DONE, asdict(feed.status)))

    with contextlib.suppress(BrokenPipeError, ConnectionResetError, EOFError):
        asyncio.run(main())


class ProcessFeed:
    """A :class:`~.live.LiveFeed` run in a child process (a ``MarketFeed``)."""

    def __init__(self, config: LiveFeedConfig, *, api_key: SecretStr | str) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        if not key or key.isspace():
            raise ConfigError("DATABENTO_API_KEY is empty")
        self._config = config
        self._key = key
        self._status = FeedStatus()
        self._conn: Connection | None = None
        self._pending_error: TradeAssistError | None = None

    def __repr__(self) -> str:
        return f"ProcessFeed(dataset={self._config.dataset!r}, gateway={self._config.gateway!r})"

    @property
    def status(self) -> FeedStatus:
        return self._status

    def stop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send_bytes(_STOP)

    async def run(self, on_batch: BatchHandler) -> None:
        ctx = mp.get_context("spawn")
        ours, theirs = ctx.Pipe(duplex=True)
        proc = ctx.Process(
            target=_child, args=(self._config, self._key, theirs), name="databento-feed"
        )
        proc.daemon = True
        proc.start()
        theirs.close()
        self._conn = ours
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[TradeAssistError | None] = loop.create_future()

        def readable() -> None:
            try:
                while not finished.done() and ours.poll():
                    self._receive(ours.recv_bytes(), on_batch, finished)
            except (EOFError, OSError):
                if not finished.done():
                    finished.set_result(FeedError("the Databento feed process ended unexpectedly"))
            except BaseException as exc:  # on_batch failed: end the feed with its error
                if not finished.done():
                    finished.set_exception(exc)

        loop.add_reader(ours.fileno(), readable)
        try:
            error = await finished
        finally:
            loop.remove_reader(ours.fileno())
            self._conn = None
            ours.close()
            await loop.run_in_executor(None, proc.join, 5.0)
            if proc.is_alive():
                proc.kill()
            self._status.connected = False
        if error is not None:
            self._status.state = "failed"
            raise error

    def _receive(
        self,
        data: bytes,
        on_batch: BatchHandler,
        finished: asyncio.Future[TradeAssistError | None],
    ) -> None:
        kind, records, halts, length = _HEAD.unpack_from(data)
        view = memoryview(data)[_HEAD.size :]
        document: Any = json.loads(bytes(view[:length])) if length else {}
        if kind == _BATCH:
            on_batch(_decode_batch(records, halts, document, view[length:]))
        elif kind in (_STATUS, _DONE):
            for name, value in document.items():
                setattr(self._status, name, value)
            if kind == _DONE:
                finished.set_result(self._pending_error)
        elif kind == _ERROR:
            self._pending_error = _ERRORS.get(document["kind"], FeedError)(document["message"])
