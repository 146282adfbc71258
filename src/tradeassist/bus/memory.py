"""The bus within one process: a bounded queue per subscriber.

``publish`` never blocks on a slow subscriber: when one's queue is full its
pending batches are dropped and it gets :class:`BusLagged` next, so it
catches up from the store. Call ``publish`` from the event loop that owns the
bus (from another thread use ``loop.call_soon_threadsafe``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Self

from tradeassist.bus.base import BusClosed, BusLagged, StoredAlert

__all__ = ["InProcessBus", "InProcessSubscription"]

_CLOSED: tuple[StoredAlert, ...] = ()


class InProcessSubscription:
    """One subscriber's queue of batches."""

    def __init__(self, bus: InProcessBus, max_pending: int) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[Sequence[StoredAlert]] = asyncio.Queue(max_pending)
        self._lagged = False
        self._closed = False

    async def __aenter__(self) -> Self:
        self._bus._attach(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bus._detach(self)

    def _offer(self, batch: Sequence[StoredAlert]) -> None:
        if self._lagged:
            return
        try:
            self._queue.put_nowait(batch)
        except asyncio.QueueFull:
            # Dropping everything pending (not just the newest) keeps memory bounded
            # and makes the catch-up from the store one query.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._lagged = True
            self._queue.put_nowait(())  # wake the reader

    def _close(self) -> None:
        self._closed = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSED)

    def __aiter__(self) -> AsyncIterator[Sequence[StoredAlert]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Sequence[StoredAlert]]:
        while True:
            batch = await self._queue.get()
            if self._lagged:
                while not self._queue.empty():
                    self._queue.get_nowait()
                self._lagged = False
                raise BusLagged("subscriber fell behind")
            if self._closed:
                raise BusClosed("bus closed")
            if batch:
                yield batch


class InProcessBus:
    """Fan-out to every subscription of this process."""

    def __init__(self, *, max_pending: int = 256) -> None:
        self._max_pending = max_pending
        self._subscribers: set[InProcessSubscription] = set()
        self._closed = False
        self._last_id: int | None = None

    @property
    def last_id(self) -> int | None:
        return self._last_id

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def start(self) -> None:
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        for sub in list(self._subscribers):
            sub._close()
        self._subscribers.clear()

    async def publish(self, alerts: Sequence[StoredAlert]) -> None:
        self.deliver(alerts)

    def deliver(self, alerts: Sequence[StoredAlert]) -> None:
        """``publish`` without the coroutine: hand a batch to every subscriber now."""
        if not alerts or self._closed:
            return
        batch = tuple(sorted(alerts, key=lambda a: a.id))
        if self._last_id is None or batch[-1].id > self._last_id:
            self._last_id = batch[-1].id
        for sub in self._subscribers:
            sub._offer(batch)

    def subscribe(self) -> InProcessSubscription:
        return InProcessSubscription(self, self._max_pending)

    async def check(self) -> None:
        if self._closed:
            raise BusClosed("the in-process bus is closed")

    def _attach(self, sub: InProcessSubscription) -> None:
        if self._closed:
            sub._close()
            return
        self._subscribers.add(sub)

    def _detach(self, sub: InProcessSubscription) -> None:
        self._subscribers.discard(sub)
