"""The supervised Databento Live feed: MBP-1 for every symbol, nothing missing, nothing twice.

Each connection is a fresh official client (``databento.Live``) subscribed to
MBP-1 over ``ALL_SYMBOLS`` (and, with ``status``, to the ``status`` schema in the
same session, so halts arrive in stream order among the MBP-1 records), with the
``warn`` slow-reader behaviour (the
gateway never skips records for us) and our own stream
(:mod:`.live_stream`), so records arrive as byte chunks decoded into numpy
batches, never as one Python object per record on our side.

Supervision is ours, not the client's: the client's own reconnect policy
resubscribes without a replay and loses the gap. Whenever a session ends
without being asked to (a reset, a clean close, a gateway error that retrying
can fix, a refused connection, or a stream silent for ``stale_after_s``: the
heartbeat watchdog), the feed waits (exponential backoff, reset by a session
that delivered data) and subscribes again with an intraday replay from the
last ``ts_event`` received minus a lookback, dropping what it already had
(:class:`~.replay_guard.ReplayGuard`). It tries for as long as it takes.
Credentials the gateway refuses and subscriptions it rejects end the feed
with AuthenticationError or FeedError; no message carries the API key.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, cast

import databento
from databento.common.error import BentoError
from pydantic import SecretStr

from tradeassist.errors import AuthenticationError, ConfigError, FeedError
from tradeassist.feeds.databento.feed_types import BatchHandler, FeedStatus
from tradeassist.feeds.databento.live_stream import (
    ChunkOutbox,
    ChunkStream,
    SessionState,
    StreamConsumer,
)
from tradeassist.feeds.databento.replay_guard import ReplayGuard, resume_start

__all__ = ["DEFAULT_PORT", "STATUS_DATASETS", "LiveFeed", "LiveFeedConfig", "wants_status"]

log = logging.getLogger(__name__)

DEFAULT_PORT = 13000
"""Databento's Live gateway port."""
STATUS_DATASETS = frozenset({"XNAS.ITCH"})
"""Datasets whose documented schemas include ``status`` (EQUS.MINI's do not)."""
_NS = 1_000_000_000
_TRANSIENT_PREFIXES = ("Connection to", "Authentication with")  # the client's network errors


@dataclass(frozen=True, slots=True)
class LiveFeedConfig:
    """Where and how to connect. Times in seconds unless named ``_ns`` (UTC nanoseconds).

    ``start_ns`` is the intraday replay start of the first subscription (None:
    live data only); later subscriptions resume from what was received.
    ``gateway`` None is Databento's own gateway for ``dataset``. ``status``:
    subscribe to the ``status`` schema too (the dataset must publish it).
    """

    dataset: str = "EQUS.MINI"
    status: bool = False
    gateway: str | None = None
    port: int | None = None
    start_ns: int | None = None
    heartbeat_interval_s: int = 5
    stale_after_s: float = 15.0
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    replay_lookback_s: float = 60.0
    stop_timeout_s: float = 3.0
    max_batch_records: int = 16_384
    backlog_warn_bytes: int = 64 << 20

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry ``attempt`` (0-based), with +-20% jitter."""
        base = min(self.backoff_max_s, self.backoff_initial_s * 2 ** min(attempt, 30))
        return float(base * random.uniform(0.8, 1.2))


def wants_status(dataset: str, setting: str) -> bool:
    """Whether to subscribe to ``status``: ``on``, ``off``, or ``auto`` (when ``dataset``
    is one of :data:`STATUS_DATASETS`)."""
    if setting == "auto":
        return dataset.upper() in STATUS_DATASETS
    return setting == "on"


ClientFactory = Callable[..., Any]


class LiveFeed:
    """Runs the supervised feed on the caller's event loop (see the module docstring)."""

    def __init__(
        self,
        config: LiveFeedConfig,
        *,
        api_key: SecretStr | str,
        client_factory: ClientFactory = databento.Live,
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        if not key or key.isspace():
            raise ConfigError("DATABENTO_API_KEY is empty")
        self._config = config
        self._key = key
        self._factory = client_factory
        self._status = FeedStatus()
        self._guard = ReplayGuard(lookback_ns=int(config.replay_lookback_s * _NS))
        self._status_guard = ReplayGuard(lookback_ns=int(config.replay_lookback_s * _NS))
        self._stopping: asyncio.Event | None = None
        self._numbers = itertools.count(1)

    def __repr__(self) -> str:
        return f"LiveFeed(dataset={self._config.dataset!r}, gateway={self._config.gateway!r})"

    @property
    def status(self) -> FeedStatus:
        return self._status

    @property
    def guard(self) -> ReplayGuard:
        return self._guard

    def stop(self) -> None:
        """Ask :meth:`run` to finish: the session closes and what it sent is delivered."""
        if self._stopping is not None:
            self._stopping.set()

    async def run(self, on_batch: BatchHandler) -> None:
        """Deliver batches to ``on_batch`` until :meth:`stop`; see :class:`MarketFeed`."""
        self._stopping = stopping = asyncio.Event()
        outbox = ChunkOutbox(asyncio.get_running_loop())
        consumer = StreamConsumer(
            outbox,
            self._guard,
            self._status,
            max_records=self._config.max_batch_records,
            backlog_warn_bytes=self._config.backlog_warn_bytes,
            status_guard=self._status_guard,
        )
        consuming = asyncio.create_task(consumer.run(on_batch, stopping.is_set), name="feed-decode")
        try:
            await self._supervise(outbox, consuming)
        except BaseException:
            self._status.state = "failed"
            raise
        finally:
            stopping.set()
            outbox.end_session(SessionState(0, None))
            if not consuming.done():
                await consuming
            self._status.connected = False
        if consuming.exception() is not None:
            raise consuming.exception()  # type: ignore[misc]
        self._status.state = "stopped"

    # --- supervision ------------------------------------------------------------------
    async def _supervise(self, outbox: ChunkOutbox, consuming: asyncio.Task[None]) -> None:
        assert self._stopping is not None
        attempt = 0
        while not self._stopping.is_set() and not consuming.done():
            resume = resume_start([self._guard, self._status_guard])
            start = self._config.start_ns if resume is None else resume
            session = SessionState(next(self._numbers), start)
            self._status.state = "connecting"
            client = await self._connect(session, outbox)
            if client is None:  # refused, unreachable, or stopped while connecting
                if await self._backoff(attempt):
                    return
                attempt += 1
                continue
            self._status.sessions += 1
            self._status.reconnects += 1 if self._status.sessions > 1 else 0
            self._status.connected, self._status.state = True, "streaming"
            reason = await self._watch(client, session)
            self._status.connected = False
            outbox.end_session(session)
            await self._wait_drained(session, consuming)
            if session.fatal is not None:
                raise session.fatal
            if self._stopping.is_set():
                return
            attempt = 0 if session.received else attempt + 1
            log.warning("Databento session %s (%s); resubscribing with replay", reason, self._where)
            if await self._backoff(attempt):
                return

    async def _wait_drained(self, session: SessionState, consuming: asyncio.Task[None]) -> None:
        drained = asyncio.create_task(session.drained.wait())
        await asyncio.wait({drained, consuming}, return_when=asyncio.FIRST_COMPLETED)
        drained.cancel()

    async def _backoff(self, attempt: int) -> bool:
        """Wait before retrying; True when stopped meanwhile."""
        assert self._stopping is not None
        self._status.state = "backoff"
        try:
            await asyncio.wait_for(self._stopping.wait(), self._config.backoff(attempt))
        except TimeoutError:
            return False
        return True

    @property
    def _where(self) -> str:
        host = self._config.gateway or f"Databento's {self._config.dataset} gateway"
        return f"{host}:{self._config.port or DEFAULT_PORT}"

    async def _connect(self, session: SessionState, outbox: ChunkOutbox) -> Any | None:
        """A started client, or None after a failure worth retrying (logged)."""
        assert self._stopping is not None
        cfg = self._config
        stream = ChunkStream(session, outbox)

        def connect() -> Any:
            client = self._factory(
                key=self._key,
                gateway=cfg.gateway,
                port=cfg.port or DEFAULT_PORT,
                heartbeat_interval_s=cfg.heartbeat_interval_s,
                reconnect_policy="none",
                slow_reader_behavior="warn",
            )
            client.add_stream(cast(IO[bytes], stream))
            # Status in the same session, from the same replay start: one stream, in the
            # gateway's order (the metadata's schema is then undefined: mixed records).
            for schema in ("mbp-1", "status") if cfg.status else ("mbp-1",):
                client.subscribe(
                    dataset=cfg.dataset,
                    schema=schema,
                    stype_in="raw_symbol",
                    symbols="ALL_SYMBOLS",
                    start=session.start,
                )
            client.start()
            return client

        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def work() -> None:
            try:
                future.set_result(connect())
            except BaseException as exc:  # handed to the awaiting coroutine
                future.set_exception(exc)

        # A daemon thread: the client's connect blocks, and must not hold up shutdown.
        threading.Thread(target=work, name="databento-connect", daemon=True).start()
        waiting = asyncio.wrap_future(future)
        stopped = asyncio.create_task(self._stopping.wait())
        await asyncio.wait({waiting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not waiting.done():  # stopped: end the client whenever the connect finishes
            future.add_done_callback(_terminate_quietly)
            return None
        try:
            return waiting.result()
        except BentoError as exc:
            text = " ".join(str(exc).replace(self._key, "***").split())
            if not text.startswith(_TRANSIENT_PREFIXES):
                raise AuthenticationError(
                    f"Databento ({self._where}) refused the API key: {text}"
                ) from None
            self._status.last_error = text
            log.warning("cannot connect to %s: %s; retrying", self._where, text)
            return None
        except ValueError as exc:  # the client's argument checks: a misconfiguration
            raise FeedError(f"cannot subscribe to Databento: {exc}") from None

    async def _watch(self, client: Any, session: SessionState) -> str:
        """Wait until the session ends; returns why. Ends it on stop or when stale."""
        assert self._stopping is not None
        cfg = self._config
        closing = asyncio.ensure_future(client.wait_for_close())
        try:
            while True:
                await asyncio.wait({closing}, timeout=0.2)
                if closing.done():
                    error = closing.exception()
                    return "closed" if error is None else f"lost: {_clean(error, self._key)}"
                if self._stopping.is_set():
                    client.stop()
                    if not await _finished(closing, cfg.stop_timeout_s):
                        client.terminate()
                    return "stopped"
                silent = time.monotonic() - session.last_data
                if silent > cfg.stale_after_s:
                    self._status.state = "stale"
                    self._status.last_error = f"no data or heartbeat for {silent:.1f} s"
                    log.warning("Databento feed is stale (%s)", self._status.last_error)
                    client.terminate()
                    await _finished(closing, cfg.stop_timeout_s)
                    return "stale"
        finally:
            if not closing.done():
                closing.cancel()


async def _finished(task: asyncio.Future[Any], seconds: float) -> bool:
    """Whether ``task`` finished within ``seconds`` (it is not cancelled either way)."""
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return bool(done)


def _clean(error: BaseException, key: str) -> str:
    return " ".join(str(error).replace(key, "***").split()) or type(error).__name__


def _terminate_quietly(future: concurrent.futures.Future[Any]) -> None:
    if future.cancelled() or future.exception() is not None:
        return
    try:
        future.result().terminate()
    except Exception as exc:  # the client is going away anyway
        log.debug("terminating an abandoned client failed: %s", exc)
