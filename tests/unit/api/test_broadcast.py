from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from starlette.types import Message
from test_live_feed import Store, stored

from tradeassist.api.broadcast import AlertBroadcaster, start_now
from tradeassist.api.live import AlertJson
from tradeassist.bus import InProcessBus
from tradeassist.bus.base import BusClosed
from tradeassist.store.alert_queries import AlertFilter


class Socket:
    """A client's send: records alert ids; while ``blocked`` its sends wait (a full buffer)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.heartbeats = 0
        self.open = asyncio.Event()
        self.open.set()
        self.gone = False
        self.arrived = asyncio.Event()

    async def send(self, message: Message) -> None:
        await self.open.wait()
        if self.gone:
            raise OSError("client gone")
        body = json.loads(message["text"])
        if body["type"] == "heartbeat":
            self.heartbeats += 1
        else:
            self.ids.append(body["data"]["id"])
        self.arrived.set()

    async def until(self, count: int) -> list[int]:
        async with asyncio.timeout(2):
            while len(self.ids) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.ids


@contextlib.asynccontextmanager
async def streaming(
    hub: AlertBroadcaster, store: Store, sock: Socket, filt: AlertFilter, after_id: int | None
) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(
        hub.stream(sock.send, filt, store.replay, store.last_id, after_id=after_id)
    )
    for _ in range(20):  # until the client has caught up and is live
        await asyncio.sleep(0)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError, BusClosed):
            await task


async def test_a_finished_send_needs_no_task_and_a_waiting_one_is_finished_later() -> None:
    sock = Socket()
    assert start_now(sock.send({"type": "websocket.send", "text": '{"type":"heartbeat"}'})) is None
    sock.open.clear()
    rest = start_now(sock.send({"type": "websocket.send", "text": '{"type":"heartbeat"}'}))
    assert rest is not None and sock.heartbeats == 1
    sock.open.set()
    await asyncio.wait_for(rest, 1)
    assert sock.heartbeats == 2


async def test_each_client_gets_its_filters_alerts_in_order_once() -> None:
    bus = InProcessBus()
    store = Store(bus)
    hub = AlertBroadcaster(bus, AlertJson())
    every, tsla = Socket(), Socket()
    async with (
        streaming(hub, store, every, AlertFilter(), None),
        streaming(hub, store, tsla, AlertFilter(symbols=("TSLA",)), None),
    ):
        await store.commit(stored(1), stored(2, "TSLA"))
        await store.commit(stored(3), stored(4, "TSLA"))

        assert await every.until(4) == [1, 2, 3, 4]
        assert await tsla.until(2) == [2, 4]
    await hub.close()


async def test_a_slow_client_holds_up_no_one_and_still_gets_everything() -> None:
    bus = InProcessBus()
    store = Store(bus)
    hub = AlertBroadcaster(bus, AlertJson(), max_backlog=3)
    slow, fast = Socket(), Socket()
    async with (
        streaming(hub, store, slow, AlertFilter(), None),
        streaming(hub, store, fast, AlertFilter(), None),
    ):
        slow.open.clear()  # its socket buffer is full: sends wait
        for i in range(1, 11):  # more than its backlog holds: it must catch up from the store
            await store.commit(stored(i))
            await asyncio.sleep(0)

        assert await fast.until(10) == list(range(1, 11))
        slow.open.set()
        assert await slow.until(10) == list(range(1, 11))
        await store.commit(stored(11))  # and it is live again
        assert await slow.until(11) == list(range(1, 12))
    await hub.close()


async def test_resuming_after_an_id_replays_the_store_then_goes_live() -> None:
    bus = InProcessBus()
    store = Store(bus)
    hub = AlertBroadcaster(bus, AlertJson(), page_size=2)
    await store.commit(*(stored(i) for i in range(1, 6)))
    store.during_read = [stored(6)]  # commits while the replay reads
    sock = Socket()
    async with streaming(hub, store, sock, AlertFilter(), 2):
        await store.commit(stored(7))

        assert await sock.until(5) == [3, 4, 5, 6, 7]
    await hub.close()


async def test_a_client_that_has_gone_ends_its_stream_and_others_go_on() -> None:
    bus = InProcessBus()
    store = Store(bus)
    hub = AlertBroadcaster(bus, AlertJson())
    gone, staying = Socket(), Socket()
    async with (
        streaming(hub, store, gone, AlertFilter(), None) as gone_task,
        streaming(hub, store, staying, AlertFilter(), None),
    ):
        gone.gone = True
        await store.commit(stored(1))

        assert await staying.until(1) == [1]
        await asyncio.wait_for(asyncio.wait([gone_task]), 1)
        assert isinstance(gone_task.exception(), OSError)
        assert hub.client_count == 1
    await hub.close()


async def test_silent_clients_get_heartbeats() -> None:
    bus = InProcessBus()
    store = Store(bus)
    hub = AlertBroadcaster(bus, AlertJson(), heartbeat_seconds=0.04)
    sock = Socket()
    async with streaming(hub, store, sock, AlertFilter(), None):
        await asyncio.sleep(0.2)

    assert sock.heartbeats >= 2
    await hub.close()


async def test_every_client_is_told_when_the_bus_closes() -> None:
    bus = InProcessBus()
    store = Store(bus)
    hub = AlertBroadcaster(bus, AlertJson())
    sock = Socket()
    async with streaming(hub, store, sock, AlertFilter(), None) as task:
        await bus.close()

        await asyncio.wait_for(asyncio.wait([task]), 1)
        assert isinstance(task.exception(), BusClosed)
    await hub.close()
