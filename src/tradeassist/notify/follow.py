"""Where the notifier's alerts come from, each alert handed over once across restarts.

Two feeds, one contract: ``await feed.run(handler)`` hands new alerts in id
order to ``handler`` until the bus closes (or the task is cancelled between
batches; :attr:`AlertFeed.working` is held while a batch is handled, so a
clean stop waits for it). Each batch in two steps: ``handler.record(batch,
claim=...)`` writes down what it owes (the delivery ledger, see
:mod:`tradeassist.notify.ledger`) in the transaction that claims it, then
``handler.send(recorded)``.

- :class:`CursorFeed` (an in-process or database-following bus): a cursor in
  ``notifier_cursors`` says how far alerts have been claimed. A batch is
  claimed by moving the cursor from where this notifier last saw it (compare
  and set) in the transaction that records its deliveries, so notifiers
  sharing a database never handle an alert twice, and a restart resumes
  after the cursor: alerts committed while no notifier ran are handled then,
  once. The first start begins at the newest alert (history is not texted).
- :class:`GroupFeed` (``REDIS_URL``): a Redis consumer group, so API replicas
  share the stream and each alert goes to one of them; acknowledged once its
  deliveries are recorded, redelivered after a crash before that (recording
  again adds nothing: the ledger's keys are unique).

A notifier that dies after recording a batch leaves its unsent deliveries in
the ledger; the next notifier to start (or any running one, after the lease)
sends them. Nothing is lost, nothing is texted twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.bus.base import AlertBus, BusClosed, BusLagged, StoredAlert
from tradeassist.bus.redis_group import RedisAlertGroup
from tradeassist.errors import TradeAssistError
from tradeassist.notify import cursor
from tradeassist.store.alerts import list_alerts

__all__ = ["AlertFeed", "BatchHandler", "Claim", "CursorFeed", "GroupFeed"]

_log = logging.getLogger(__name__)

_RETRY_SECONDS = 1.0
Claim = Callable[[AsyncSession], Awaitable[bool]]


class BatchHandler(Protocol):
    """Records what a batch owes (first running ``claim`` in that transaction), then sends it."""

    async def record(
        self, batch: Sequence[StoredAlert], *, claim: Claim | None = None
    ) -> Sequence[object] | None:
        """What to send; None when ``claim`` said the batch is someone else's."""
        ...

    async def send(self, recorded: Sequence[object]) -> None:
        """Send what :meth:`record` returned."""
        ...


class AlertFeed(Protocol):
    """New alerts for the notifier; see the module docstring."""

    @property
    def working(self) -> asyncio.Lock:
        """Held while a batch is being handled."""
        ...

    async def prepare(self) -> None:
        """Take a position now, so alerts from here on are handled; may raise (``run`` retries)."""
        ...

    async def run(self, handler: BatchHandler) -> None:
        """Hand every new alert to ``handler`` until the source closes."""
        ...

    async def floor(self) -> int | None:
        """The lowest alert id this feed may still hand out, None when it holds none.

        Every alert below it has been recorded in the ledger and is never
        handed to a notifier again: its finished deliveries may be deleted.
        """
        ...


class CursorFeed:
    """Alerts from ``bus``, claimed through the cursor ``name`` in the store."""

    def __init__(
        self,
        bus: AlertBus,
        sessions: async_sessionmaker[AsyncSession],
        *,
        name: str = "notifier",
        page_size: int = 500,
    ) -> None:
        self._bus = bus
        self._sessions = sessions
        self._name = name
        self._page = page_size
        self._seen: int | None = None  # the cursor as this notifier last saw it
        self.working = asyncio.Lock()

    @property
    def position(self) -> int | None:
        """The cursor as this notifier last saw it (None before it started)."""
        return self._seen

    async def prepare(self) -> None:
        if self._seen is None:
            self._seen = await cursor.start(self._sessions, self._name)

    async def floor(self) -> int | None:
        last = await cursor.load(self._sessions, self._name)
        return 0 if last is None else last + 1  # no cursor yet: nothing is known to be done

    async def run(self, handler: BatchHandler) -> None:
        while True:
            try:
                if self._seen is None:
                    self._seen = await cursor.start(self._sessions, self._name)
                async with self._bus.subscribe() as subscription:
                    await self._catch_up(handler)  # after subscribing: no gap
                    async for batch in subscription:
                        await self._take(batch, handler)
            except BusLagged:
                continue
            except BusClosed:
                return
            except Exception as exc:  # the store or the bus failed: try again shortly
                _log.warning("notifier feed failed (%s); retrying", _why(exc))
                await asyncio.sleep(_RETRY_SECONDS)

    async def _catch_up(self, handler: BatchHandler) -> None:
        while True:
            async with self._sessions() as session:
                page = await list_alerts(session, after_id=self._seen or 0, limit=self._page)
            await self._take(page, handler)
            if len(page) < self._page:
                return

    async def _take(self, batch: Sequence[StoredAlert], handler: BatchHandler) -> None:
        async with self.working:
            assert self._seen is not None
            while fresh := [s for s in batch if s.id > self._seen]:
                seen, last = self._seen, fresh[-1].id

                async def claim(session: AsyncSession, seen: int = seen, last: int = last) -> bool:
                    return await cursor.claim_in(session, self._name, seen, last)

                recorded = await handler.record(fresh, claim=claim)
                if recorded is not None:
                    self._seen = last
                    await handler.send(recorded)
                    return
                # Another notifier moved the cursor: skip what it has claimed.
                self._seen = await cursor.load(self._sessions, self._name) or self._seen


class GroupFeed:
    """Alerts from a Redis consumer group; acknowledged once handled."""

    def __init__(
        self, group: RedisAlertGroup, *, block_ms: int = 1000, remember: int = 10_000
    ) -> None:
        self._group = group
        self._block_ms = block_ms
        self._recent: deque[int] = deque(maxlen=remember)
        self._recent_set: set[int] = set()
        self.working = asyncio.Lock()

    async def prepare(self) -> None:
        await self._group.start()  # the group exists from here on: nothing published is missed

    async def floor(self) -> int | None:
        return await self._group.oldest_open()

    async def run(self, handler: BatchHandler) -> None:
        failing = False
        try:
            while True:
                try:
                    messages = await self._group.read(count=200, block_ms=self._block_ms)
                    async with self.working:
                        fresh = sorted(
                            (m.stored for m in messages if m.stored.id not in self._recent_set),
                            key=lambda s: s.id,
                        )
                        recorded = await handler.record(fresh) if fresh else None
                        await self._group.ack([m.entry_id for m in messages])
                        if recorded is not None:
                            self._remember(s.id for s in fresh)
                            await handler.send(recorded)
                    failing = False
                except Exception as exc:  # Redis or the store failed: unacknowledged, retried
                    if not failing:
                        _log.warning("notifier cannot handle the alert stream: %s", _why(exc))
                    failing = True
                    await asyncio.sleep(_RETRY_SECONDS)
        finally:
            await self._group.close()

    def _remember(self, ids: Iterable[int]) -> None:
        for alert_id in ids:
            if len(self._recent) == self._recent.maxlen:
                self._recent_set.discard(self._recent[0])
            self._recent.append(alert_id)
            self._recent_set.add(alert_id)


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, TradeAssistError) else type(exc).__name__
