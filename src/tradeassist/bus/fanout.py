"""One subscriber's bounded queue of batches: the fan-out every bus hands out.

A bus offers each batch to all its local subscriptions; ``offer`` never
blocks. When a subscriber's queue is full its pending batches are dropped and
it gets :class:`~tradeassist.bus.base.BusLagged` next, so it catches up from
the store by id (dropping everything, not only the newest batch, keeps memory
bounded and makes the catch-up one query).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Self

from tradeassist.bus.base import BusClosed, BusLagged, StoredAlert

__all__ = ["QueueSubscription"]

_WAKE: tuple[StoredAlert, ...] = ()


class QueueSubscription:
    """An ``AlertSubscription`` fed by its bus through :meth:`offer`.

    Subclasses register with their bus in :meth:`attach` (called on entering)
    and unregister in :meth:`detach` (on leaving).
    """

    lag_message = "subscriber fell behind"

    def __init__(self, max_pending: int) -> None:
        self._queue: asyncio.Queue[Sequence[StoredAlert]] = asyncio.Queue(max_pending)
        self._lagged = False
        self._closed = False

    async def attach(self) -> None:
        """Register with the bus (called by ``__aenter__``)."""

    def detach(self) -> None:
        """Unregister from the bus (called by ``__aexit__``)."""

    async def __aenter__(self) -> Self:
        await self.attach()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.detach()

    def offer(self, batch: Sequence[StoredAlert]) -> None:
        """Queue ``batch`` without blocking; a full queue turns into a lag."""
        if self._lagged or self._closed:
            return
        try:
            self._queue.put_nowait(batch)
        except asyncio.QueueFull:
            self.lag()

    def lag(self) -> None:
        """Drop everything pending; the reader gets ``BusLagged`` next."""
        self._drain()
        self._lagged = True
        self._queue.put_nowait(_WAKE)

    def close(self) -> None:
        """Drop everything pending; the reader gets ``BusClosed`` next."""
        self._closed = True
        self._drain()
        self._queue.put_nowait(_WAKE)

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()

    def __aiter__(self) -> AsyncIterator[Sequence[StoredAlert]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Sequence[StoredAlert]]:
        while True:
            batch = await self._queue.get()
            if self._lagged:
                self._drain()
                self._lagged = False
                raise BusLagged(self.lag_message)
            if self._closed:
                raise BusClosed("bus closed")
            if batch:
                yield batch
