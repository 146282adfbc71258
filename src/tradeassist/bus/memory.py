"""The bus within one process: a bounded queue per subscriber.

``publish`` never blocks on a slow subscriber: when one's queue is full its
pending batches are dropped and it gets :class:`BusLagged` next, so it
catches up from the store. Call ``publish`` from the event loop that owns the
bus (from another thread use ``loop.call_soon_threadsafe``).
"""

from __future__ import annotations

from collections.abc import Sequence

from tradeassist.bus.base import BusClosed, StoredAlert
from tradeassist.bus.fanout import QueueSubscription

__all__ = ["InProcessBus", "InProcessSubscription"]


class InProcessSubscription(QueueSubscription):
    """One subscriber's queue of batches."""

    def __init__(self, bus: InProcessBus, max_pending: int) -> None:
        super().__init__(max_pending)
        self._bus = bus

    async def attach(self) -> None:
        self._bus._attach(self)

    def detach(self) -> None:
        self._bus._detach(self)


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
            sub.close()
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
            sub.offer(batch)

    def subscribe(self) -> InProcessSubscription:
        return InProcessSubscription(self, self._max_pending)

    async def check(self) -> None:
        if self._closed:
            raise BusClosed("the in-process bus is closed")

    def _attach(self, sub: InProcessSubscription) -> None:
        if self._closed:
            sub.close()
            return
        self._subscribers.add(sub)

    def _detach(self, sub: InProcessSubscription) -> None:
        self._subscribers.discard(sub)
