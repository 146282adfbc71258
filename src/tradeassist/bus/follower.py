"""The bus when the screener is another process: follow new rows in the store.

One poller per process reads ``screener_alerts`` by id (``id > last seen``,
one indexed range query per ``poll_seconds``, immediately again after a full
page) and fans the rows out to local subscribers through an
:class:`~tradeassist.bus.memory.InProcessBus`. Ids are commit-ordered, so an
id range once read never grows a late member: nothing is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol

from tradeassist.bus.base import StoredAlert
from tradeassist.bus.memory import InProcessBus, InProcessSubscription
from tradeassist.errors import StorageError

__all__ = ["AlertSource", "DatabaseFollowerBus"]

log = logging.getLogger(__name__)


class AlertSource(Protocol):
    """Reads committed alerts by id (the store implements it)."""

    async def last_id(self) -> int:
        """The highest committed alert id, 0 when there is none."""
        ...

    async def alerts_after(self, after_id: int, limit: int) -> Sequence[StoredAlert]:
        """Up to ``limit`` alerts with ``id > after_id``, ascending by id."""
        ...


class DatabaseFollowerBus:
    """Delivers every alert committed by any process, within about ``poll_seconds``."""

    def __init__(
        self,
        source: AlertSource,
        *,
        poll_seconds: float = 0.05,
        page_size: int = 1000,
        max_pending: int = 256,
    ) -> None:
        self._source = source
        self._poll = poll_seconds
        self._page = page_size
        self._local = InProcessBus(max_pending=max_pending)
        self._position: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._failure: str | None = None
        # poll_once may also be called directly (tests, a final flush): one reader at a time.
        self._polling = asyncio.Lock()
        self._stop = asyncio.Event()

    @property
    def position(self) -> int | None:
        """The last id delivered (None before the first poll)."""
        return self._position

    @property
    def last_id(self) -> int | None:
        return self._position

    async def start(self) -> None:
        if self._task is not None:
            return
        await self._local.start()
        try:
            self._position = await self._source.last_id()
        except StorageError as exc:
            # Start anyway: the poller retries, and readiness reports the outage.
            self._failure = exc.message
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="alert-follower")

    async def close(self) -> None:
        if self._task is not None:
            # Let a poll in flight finish: cancelling it mid-query can strand its
            # pooled connection. Cancel only if it does not end soon.
            self._stop.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5.0)
            except TimeoutError:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._local.close()

    async def publish(self, alerts: Sequence[StoredAlert]) -> None:
        """Nothing to do: the alerts are in the store, and the poller delivers them.

        Fanning them out here as well could deliver an id ahead of a smaller one
        another process committed first but the poller has not read yet.
        """

    def subscribe(self) -> InProcessSubscription:
        return self._local.subscribe()

    async def check(self) -> None:
        if self._task is None or self._task.done():
            raise StorageError("the alert follower is not running")
        if self._failure is not None:
            raise StorageError(f"the alert follower cannot read the store: {self._failure}")

    async def poll_once(self) -> int:
        """Read and deliver the next page; the number of alerts delivered."""
        async with self._polling:
            if self._position is None:
                self._position = await self._source.last_id()
            page = await self._source.alerts_after(self._position, self._page)
            if page:
                self._position = page[-1].id
                self._local.deliver(page)
            return len(page)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delivered = await self.poll_once()
                self._failure = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Keep following through outages; readiness reports the failure meanwhile.
                message = exc.message if isinstance(exc, StorageError) else type(exc).__name__
                if self._failure is None:
                    log.warning("alert follower cannot read the store: %s", message)
                self._failure = message
                delivered = 0
            if delivered < self._page:
                pause = self._poll if self._failure is None else max(self._poll, 1.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), pause)
