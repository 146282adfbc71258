"""The live alert feed behind the WebSocket and SSE endpoints.

Resuming after id N: subscribe to the bus first, then replay every stored
alert with id > N from the store, then pass on live alerts whose id is above
the last one sent. Subscribing before reading the store means an alert
committed in between is in the store read or on the bus (or both, and then
dropped by id): no gap and no duplicate. Ids are commit-ordered, so an alert
that commits late still gets an id above everything already sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import cast

from tradeassist.api.schemas.alerts import AlertPublic
from tradeassist.bus.base import AlertBus, BusLagged
from tradeassist.store.alert_queries import AlertFilter
from tradeassist.store.alerts import StoredAlert

__all__ = ["AlertJson", "LastIdFn", "ReplayFn", "follow_alerts", "with_heartbeats"]

#: Reads up to ``limit`` stored alerts with id > ``after_id`` matching the filter, ascending.
ReplayFn = Callable[[int, int, AlertFilter], Awaitable[Sequence[StoredAlert]]]
#: The highest committed id (0 when none).
LastIdFn = Callable[[], Awaitable[int]]


async def follow_alerts(
    bus: AlertBus,
    replay: ReplayFn,
    last_id: LastIdFn,
    filt: AlertFilter,
    *,
    after_id: int | None,
    page_size: int = 500,
) -> AsyncGenerator[StoredAlert, None]:
    """Alerts matching ``filt`` with id > ``after_id`` (None: from now on), in id order."""
    async with bus.subscribe() as subscription:
        sent = await last_id() if after_id is None else after_id

        async def catch_up() -> AsyncIterator[StoredAlert]:
            nonlocal sent
            while True:
                page = await replay(sent, page_size, filt)
                for stored in page:
                    sent = stored.id
                    yield stored
                if len(page) < page_size:
                    return

        async for stored in catch_up():
            yield stored
        while True:
            try:
                async for batch in subscription:
                    for stored in batch:
                        if stored.id <= sent:
                            continue
                        sent = stored.id
                        if filt.matches(stored):
                            yield stored
            except BusLagged:
                # Batches were dropped while we were slow: the store has them all.
                async for stored in catch_up():
                    yield stored
                continue
            return


_DONE = object()


async def with_heartbeats(
    source: AsyncIterator[StoredAlert], interval_seconds: float, *, buffer: int = 1000
) -> AsyncGenerator[StoredAlert | None, None]:
    """``source``'s items, and None whenever ``interval_seconds`` pass without one.

    The source runs in a task of its own, so waiting for a heartbeat never
    cancels it mid-step; its errors are raised here. A full buffer makes the
    source wait, and a bus subscription behind it then catches up from the store.
    """
    queue: asyncio.Queue[object] = asyncio.Queue(buffer)

    async def pump() -> None:
        try:
            async for item in source:
                await queue.put(item)
        except Exception as exc:
            await queue.put(exc)
            return
        await queue.put(_DONE)

    task = asyncio.create_task(pump(), name="alert-stream-pump")
    try:
        while True:
            try:
                async with asyncio.timeout(interval_seconds):
                    item = await queue.get()
            except TimeoutError:
                yield None
                continue
            if item is _DONE:
                return
            if isinstance(item, Exception):
                raise item
            yield cast(StoredAlert, item)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class AlertJson:
    """The JSON text of recently streamed alerts, made once for every client (fan-out)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._cache: OrderedDict[int, str] = OrderedDict()

    def __call__(self, stored: StoredAlert) -> str:
        text = self._cache.get(stored.id)
        if text is None:
            text = AlertPublic.from_stored(stored).model_dump_json()
            self._cache[stored.id] = text
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return text
