"""One fan-out of live alerts to every WebSocket client of this process.

Each alert is turned into its message once, matched once per distinct filter
and written straight to each matching socket by one task: no queue and no
task wake-up per client, which is where the time went with a thousand
clients (about 40 us of CPU each per alert, now about half that).

A client is *live* while nothing is pending for it: the hub sends to it
directly. A send that has to wait (the client reads slowly and its socket's
buffer is full) is handed to the client's own task, and the client is no
longer live: its alerts queue in a bounded backlog that its task sends in
order. When the backlog overflows it is dropped and the client catches up
from the store by id, as when it connected, so a slow client never holds up
the others and never loses an alert. Resume (``after_id``) works as in
:func:`~tradeassist.api.live.follow_alerts`: the hub is subscribed to the
bus before a client reads the store, and ids already sent are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
from typing import Any

from starlette.types import Message

from tradeassist.api.live import AlertJson, LastIdFn, ReplayFn
from tradeassist.bus.base import AlertBus, BusClosed, BusLagged
from tradeassist.store.alert_queries import AlertFilter
from tradeassist.store.alerts import StoredAlert

__all__ = ["AlertBroadcaster", "StreamClient", "start_now"]

Send = Callable[[Message], Coroutine[Any, Any, None]]
_HEARTBEAT: Message = {"type": "websocket.send", "text": '{"type":"heartbeat"}'}


class _Rest:
    """Awaits the rest of a coroutine that :func:`start_now` began (a Task drives it)."""

    def __init__(self, coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coro = coro
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        waiting_on = self._waiting_on
        while True:
            try:
                value = yield waiting_on
            except BaseException as exc:  # cancellation: the coroutine decides
                try:
                    waiting_on = self._coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = self._coro.send(value)
                except StopIteration:
                    return


def start_now(coro: Coroutine[Any, Any, None]) -> Awaitable[None] | None:
    """Run ``coro`` at once until it first waits: None if it finished, else what is left.

    Python 3.12's eager tasks do this; a send to a socket with room in its
    buffer never waits, so most sends end here without a task. Errors raise here.
    """
    try:
        waiting_on = coro.send(None)
    except StopIteration:
        return None
    return _Rest(coro, waiting_on)


class StreamClient:
    """One WebSocket client of the broadcaster: its filter, position and backlog."""

    def __init__(self, send: Send, filt: AlertFilter, max_backlog: int) -> None:
        self.send = send
        self.filt = filt
        self.max_backlog = max_backlog
        #: The highest alert id sent (or handed to a send in progress).
        self.sent_id = 0
        #: True while the hub may send directly (nothing pending for this client).
        self.live = False
        #: True when the store must be read: on connecting, and after the backlog overflowed.
        self.lagged = True
        self.backlog: deque[tuple[int, Message]] = deque()
        self.waiting_send: Awaitable[None] | None = None
        self.failure: BaseException | None = None
        self.last_sent = 0.0
        self.wake = asyncio.Event()

    def push(self, alert_id: int, message: Message, now: float) -> int:
        """Send ``message`` now, or queue it; the number of messages sent now (0 or 1)."""
        if self.failure is not None or self.lagged:
            return 0  # lagged: the catch-up from the store has it
        if not self.live:
            if len(self.backlog) >= self.max_backlog:
                self.backlog.clear()
                self.lagged = True
                self.wake.set()
                return 0
            self.backlog.append((alert_id, message))
            self.wake.set()
            return 0
        if alert_id:
            self.sent_id = alert_id
        self.last_sent = now
        try:
            rest = start_now(self.send(message))
        except Exception as exc:  # the client has gone: its task ends
            self.fail(exc)
            return 0
        if rest is not None:
            self.live = False
            self.waiting_send = rest
            self.wake.set()
        return 1

    def fail(self, exc: BaseException) -> None:
        self.failure = exc
        self.live = False
        self.wake.set()


class AlertBroadcaster:
    """Fans the bus's alerts out to WebSocket clients; ``stream`` serves one client."""

    def __init__(
        self,
        bus: AlertBus,
        alert_json: AlertJson,
        *,
        heartbeat_seconds: float = 15.0,
        max_backlog: int = 256,
        page_size: int = 500,
        on_sent: Callable[[int], None] = lambda n: None,
    ) -> None:
        self._bus = bus
        self._json = alert_json
        self._heartbeat = heartbeat_seconds
        self._max_backlog = max_backlog
        self._page_size = page_size
        self._on_sent = on_sent
        self._groups: dict[AlertFilter, set[StreamClient]] = {}
        self._task: asyncio.Task[None] | None = None
        self._beats: asyncio.Task[None] | None = None
        self._subscribed: asyncio.Future[None] | None = None

    @property
    def client_count(self) -> int:
        return sum(len(clients) for clients in self._groups.values())

    async def start(self) -> None:
        """Subscribe to the bus (once); returns when alerts from now on will arrive."""
        if self._subscribed is None or (self._task is not None and self._task.done()):
            self._subscribed = asyncio.get_running_loop().create_future()
            self._task = asyncio.create_task(self._follow(self._subscribed), name="ws-fanout")
        if self._beats is None or self._beats.done():
            self._beats = asyncio.create_task(self._heartbeats(), name="ws-heartbeats")
        await asyncio.shield(self._subscribed)

    async def close(self) -> None:
        for task in (self._task, self._beats):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._fail_all(BusClosed("bus closed"))

    async def stream(
        self,
        send: Send,
        filt: AlertFilter,
        replay: ReplayFn,
        last_id: LastIdFn,
        *,
        after_id: int | None,
    ) -> None:
        """Send ``filt``'s alerts after ``after_id`` (None: from now on) until the client
        goes (its send fails) or the bus closes (``BusClosed``); store errors raise."""
        await self.start()
        client = StreamClient(send, filt, self._max_backlog)
        self._groups.setdefault(filt, set()).add(client)
        try:
            client.sent_id = await last_id() if after_id is None else after_id
            await self._serve(client, replay)
        finally:
            group = self._groups.get(filt)
            if group is not None:
                group.discard(client)
                if not group:
                    del self._groups[filt]

    async def _serve(self, client: StreamClient, replay: ReplayFn) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if client.failure is not None:
                raise client.failure
            if client.waiting_send is not None:
                waiting, client.waiting_send = client.waiting_send, None
                await waiting
            elif client.lagged:
                client.lagged = False
                client.backlog.clear()
                await self._catch_up(client, replay)
            elif client.backlog:
                alert_id, message = client.backlog.popleft()
                if alert_id == 0 or alert_id > client.sent_id:
                    client.sent_id = alert_id or client.sent_id
                    client.last_sent = loop.time()
                    await client.send(message)
                    self._on_sent(1)
            else:
                # Nothing pending: from here the hub sends directly, until it cannot.
                client.live = True
                client.wake.clear()
                await client.wake.wait()

    async def _catch_up(self, client: StreamClient, replay: ReplayFn) -> None:
        loop = asyncio.get_running_loop()
        while True:
            page = await replay(client.sent_id, self._page_size, client.filt)
            for stored in page:
                client.sent_id = stored.id
                client.last_sent = loop.time()
                await client.send(self._message(stored))
            self._on_sent(len(page))
            if len(page) < self._page_size:
                return

    def _message(self, stored: StoredAlert) -> Message:
        return {"type": "websocket.send", "text": f'{{"type":"alert","data":{self._json(stored)}}}'}

    def deliver(self, batch: Sequence[StoredAlert]) -> int:
        """Hand each alert of ``batch`` (ascending ids) to every client whose filter
        matches; the number of messages sent at once."""
        now = asyncio.get_running_loop().time()
        sent = 0
        for stored in batch:
            message: Message | None = None
            for filt, clients in self._groups.items():
                if not filt.matches(stored):
                    continue
                message = message or self._message(stored)
                for client in clients:
                    if stored.id > client.sent_id:
                        sent += client.push(stored.id, message, now)
        if sent:
            self._on_sent(sent)
        return sent

    async def _follow(self, subscribed: asyncio.Future[None]) -> None:
        try:
            async with self._bus.subscribe() as subscription:
                subscribed.set_result(None)
                while True:
                    try:
                        async for batch in subscription:
                            self.deliver(batch)
                    except BusLagged:
                        # Batches were dropped: every client catches up from the store.
                        for clients in self._groups.values():
                            for client in clients:
                                client.backlog.clear()
                                client.live = False
                                client.lagged = True
                                client.wake.set()
                        continue
                    raise BusClosed("the bus ended")  # its clients are told, as on a close
        except asyncio.CancelledError:
            self._subscribed = None
            raise
        except Exception as exc:  # BusClosed, or the bus failed: every client is told
            if not subscribed.done():
                subscribed.set_exception(exc)
                subscribed.exception()  # retrieved: waiters re-raise it
            self._subscribed = None
            self._fail_all(exc)

    def _fail_all(self, exc: BaseException) -> None:
        for clients in self._groups.values():
            for client in clients:
                client.fail(exc)

    async def _heartbeats(self) -> None:
        loop = asyncio.get_running_loop()
        # A quarter of the interval apart: a silent client hears within 1.25 intervals.
        tick = self._heartbeat / 4
        while True:
            await asyncio.sleep(tick)
            now = loop.time()
            for clients in self._groups.values():
                for client in clients:
                    if client.live and now - client.last_sent >= self._heartbeat:
                        client.push(0, _HEARTBEAT, now)
