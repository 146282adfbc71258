"""The alert bus interface: stored alerts out to everyone who listens.

An alert reaches the bus only after it has committed to the store, carrying
its commit-ordered ``id`` (PRODUCT.md section 4). Subscribers therefore never
need the bus for correctness, only for speed: a subscriber that falls behind
gets :class:`BusLagged`, catches up from the store by id, and goes on reading
(dropping ids it has already seen). That contract fits every transport:

- :class:`~tradeassist.bus.memory.InProcessBus`: one process;
- :class:`~tradeassist.bus.follower.DatabaseFollowerBus`: the screener is another
  process and writes only to the database; this follows new rows by id;
- :mod:`~tradeassist.bus.redis_streams`: ``publish`` is ``XADD``, a subscription
  reads from the stream position taken when it is entered.

Optionally a bus has a ``last_id`` property: the highest alert id it has
delivered to this process's subscribers (None: not known). Every alert up to
it is in the store, so it versions what is read from the store; the API keys
its page cache on it and caches nothing for a bus without one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Protocol, Self

# The bus carries alerts exactly as the store returns them: the id is the resume cursor.
from tradeassist.store.alerts import StoredAlert

__all__ = ["AlertBus", "AlertSubscription", "BusClosed", "BusLagged", "StoredAlert"]


class BusLagged(Exception):
    """The subscriber fell behind and batches were dropped: catch up from the store."""


class BusClosed(Exception):
    """The bus was closed while a subscriber was waiting."""


class AlertSubscription(Protocol):
    """A live feed of stored alerts, in id order within each batch.

    Entering it (``async with``) registers the subscriber: every alert
    published after that point is delivered (or :class:`BusLagged` is raised).
    Iterating yields non-empty batches.
    """

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def __aiter__(self) -> AsyncIterator[Sequence[StoredAlert]]: ...


class AlertBus(Protocol):
    """Publishes committed alerts and hands out subscriptions."""

    async def start(self) -> None:
        """Begin work (connect, start pollers); idempotent."""
        ...

    async def close(self) -> None:
        """Stop work; waiting subscribers end with :class:`BusClosed`."""
        ...

    async def publish(self, alerts: Sequence[StoredAlert]) -> None:
        """Send alerts that have committed to the store, in commit (id) order."""
        ...

    def subscribe(self) -> AlertSubscription:
        """A subscription; it starts receiving once entered."""
        ...

    async def check(self) -> None:
        """Raise ``TradeAssistError`` (one line) when the bus cannot deliver alerts."""
        ...
