"""A loopback Databento Live gateway: the official client cannot tell it from the real one.

``LoopbackGateway(source, api_key=...)`` listens on 127.0.0.1 and speaks
Databento's Live protocol (:mod:`.gateway_session`) to any number of clients,
streaming the records of a DBN file (the simulator's, or a recorded day) at
``rate`` records per second, or as fast as possible. Point
``databento.Live(key=..., gateway="127.0.0.1", port=gateway.port)`` at it.

Faults on cue, for tests and demos: :meth:`drop_connections` (a reset or a
clean close), :meth:`stall` (the connection stays open and goes silent, no
heartbeats), :meth:`refuse_for` (nothing listens for a while), ``reject_auth``
(every authentication fails), :meth:`send_error` / ``failure`` (a gateway
error message). The market keeps publishing through every fault, so a client
that does not ask for an intraday replay on reconnecting misses records.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import string
import struct
import time
from pathlib import Path

from tradeassist.feeds.databento.gateway_session import GatewaySession, Subscription
from tradeassist.feeds.databento.gateway_source import (
    ArraySource,
    FileSource,
    MarketClock,
    RecordSource,
)

__all__ = [
    "ArraySource",
    "FileSource",
    "LoopbackGateway",
    "RecordSource",
    "Subscription",
    "generate_api_key",
]


_CLIENT_ERRORS = (ConnectionError, TimeoutError, asyncio.IncompleteReadError, ValueError)


def generate_api_key() -> str:
    """A random 32-character key of the shape Databento issues (``db-`` + 29 characters)."""
    alphabet = string.ascii_letters + string.digits
    return "db-" + "".join(secrets.choice(alphabet) for _ in range(29))


class LoopbackGateway:
    """An asyncio server speaking the Live protocol; run it on the test's event loop.

    ``rate`` is in records per second (None: as fast as the client reads). The
    market clock starts when the first session starts streaming.
    """

    def __init__(
        self,
        source: RecordSource,
        *,
        api_key: str,
        rate: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.source = source
        self.api_key = api_key
        self.clock = MarketClock(rate)
        self.host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._sessions: dict[GatewaySession, asyncio.Task[None]] = {}
        self._stalled_until = 0.0
        self._reopen: asyncio.Task[None] | None = None
        # Cues and what was seen, for tests.
        self.reject_auth = False
        self.failure: tuple[str, str] | None = None  # (message, ErrorCode name) for new sessions
        self.auth_requests: list[dict[str, str]] = []
        self.subscriptions: list[Subscription] = []
        self.sessions_started = 0
        self.records_sent = 0

    @classmethod
    def for_file(cls, path: Path, *, api_key: str, rate: float | None = None) -> LoopbackGateway:
        """A gateway streaming a DBN file (raises DataFileError/SchemaError for a bad one)."""
        return cls(FileSource(path), api_key=api_key, rate=rate)

    @property
    def port(self) -> int:
        """The port listened on (known after :meth:`start`)."""
        return self._port

    @property
    def connections(self) -> int:
        return len(self._sessions)

    async def start(self) -> int:
        """Listen; returns the port."""
        await self._listen()
        return self._port

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._reopen is not None:
            self._reopen.cancel()
        if self._server is not None:
            self._server.close()
            self._server = None
        self.drop_connections(reset=False)
        tasks = list(self._sessions.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- cues -------------------------------------------------------------------------
    def drop_connections(self, *, reset: bool = True) -> int:
        """Cut every connection now: a TCP reset, or a clean close. Returns how many."""
        count = 0
        for session, task in list(self._sessions.items()):
            transport = session.writer.transport
            if reset:
                sock = session.writer.get_extra_info("socket")
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                transport.abort()
            else:
                transport.close()
            task.cancel()
            count += 1
        return count

    def stall(self, seconds: float) -> None:
        """Send nothing at all (not even heartbeats) for ``seconds``; connections stay open."""
        self._stalled_until = max(self._stalled_until, time.monotonic() + seconds)

    def refuse_for(self, seconds: float) -> None:
        """Stop listening and drop every connection; listen again after ``seconds``."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self.drop_connections(reset=True)

        async def reopen() -> None:
            await asyncio.sleep(seconds)
            await self._listen()

        self._reopen = asyncio.create_task(reopen(), name="gateway-reopen")

    def send_error(self, message: str, code: str = "INTERNAL_ERROR") -> int:
        """Send an error message (``databento_dbn.ErrorCode`` name) to every streaming
        session, then close it; returns how many got it."""
        count = 0
        for session in list(self._sessions):
            if session.streaming:
                session._fail(message, code)
                count += 1
        return count

    async def wait_while_stalled(self) -> None:
        """Return once no stall is in force (stalls may be extended meanwhile)."""
        while (left := self._stalled_until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(left, 0.05))

    # --- server -----------------------------------------------------------------------
    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self.host, self._port, reuse_address=True
        )
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = GatewaySession(self, reader, writer)
        # The session runs in a task of its own, so cues cancel it and not the server's
        # connection handler (whose cancellation asyncio reports as an error).
        inner = asyncio.create_task(session.run(), name="gateway-session")
        self._sessions[session] = inner
        try:
            await asyncio.wait({inner})
            if not inner.cancelled():
                error = inner.exception()
                # The client left, was too slow to authenticate, or sent garbage: not ours.
                if error is not None and not isinstance(error, _CLIENT_ERRORS):
                    raise error
        finally:
            self._sessions.pop(session, None)
            if not writer.is_closing():
                writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
