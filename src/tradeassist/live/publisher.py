"""Publishing committed alerts on the bus, in commit order, off the write path.

The sink hands over the rows each commit stored, as the insert returned them
(with their commit-ordered ids; only the new ones, so an alert re-derived
after a restart is not sent twice). Publishing runs apart from the writes, so
a slow bus never delays the next commit; a failure (the bus gone) is retried
in order until it succeeds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import Protocol

from tradeassist.store.alerts import StoredAlert

__all__ = ["Publisher", "Publishes"]

log = logging.getLogger(__name__)

_RETRY_S = 1.0


class Publishes(Protocol):
    """What the publisher needs of a bus (every ``AlertBus`` has it)."""

    async def publish(self, alerts: Sequence[StoredAlert]) -> None: ...


class Publisher:
    """Publishes committed batches, one at a time, in order."""

    def __init__(self, bus: Publishes) -> None:
        self._bus = bus
        self._queue: deque[Sequence[StoredAlert]] = deque()
        self._ready = asyncio.Event()
        self._closing = False
        self.published = 0

    @property
    def pending(self) -> int:
        return len(self._queue)

    def submit(self, stored: Sequence[StoredAlert]) -> None:
        """Queue the alerts one commit stored (ascending ids)."""
        if stored:
            self._queue.append(stored)
            self._ready.set()

    def close(self) -> None:
        """Finish what is queued, then stop (``run`` returns)."""
        self._closing = True
        self._ready.set()

    async def run(self) -> None:
        failing = False
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._ready.clear()
                await self._ready.wait()
                continue
            batch = self._queue[0]
            try:
                await self._bus.publish(batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    log.warning("cannot publish alerts yet (%s); retrying", _reason(exc))
                failing = True
                if self._closing:
                    return  # the store has them; followers catch up from it
                await asyncio.sleep(_RETRY_S)
                continue
            failing = False
            self._queue.popleft()
            self.published += len(batch)


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message else type(exc).__name__
