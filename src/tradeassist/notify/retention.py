"""The notifier's clean-up: finished ledger and SMS-queue rows deleted after the retention.

Every ``retention_interval_seconds`` (and at start) a notifier deletes, in
chunks of ``retention_chunk_rows`` rows, each chunk its own short
transaction (SQLite has one writer):

- deliveries ``sent`` and recorded over ``retention_days`` ago, of alerts
  below its feed's floor (:meth:`~tradeassist.notify.follow.AlertFeed.floor`:
  below it, every alert has been recorded and none is handed to a notifier
  again: past the store's cursor, or neither pending nor undelivered in the
  Redis consumer group). ``pending`` and ``held`` rows always stay;
- SMS-queue rows ``done`` or ``dead`` last attempted over ``retention_days`` ago.

The SMS log (``sms_messages``, what ``GET /sms/messages`` and ``GET
/users/me/messages`` show, with opt-in and cost history) keeps its own,
unbounded history: deleting a queue row leaves its message as it was.
Replicas may run this at the same time; a chunk deletes by row id, so two
of them never delete more than once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.store.alerts import latest_alert_id
from tradeassist.store.retention import prune_deliveries, prune_outbox

__all__ = ["Pruned", "Retention"]

_log = logging.getLogger(__name__)

#: The lowest alert id a feed may still hand out (None: none held); see AlertFeed.floor.
Floor = Callable[[], Awaitable[int | None]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Pruned:
    """Rows one clean-up deleted, per table."""

    deliveries: int = 0
    outbox: int = 0


class Retention:
    """Deletes finished notifier rows past ``config.retention_days``; see the module docstring."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        config: NotifyConfig,
        metrics: NotifyMetrics | None = None,
        wall: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._metrics = metrics
        self._wall = wall  # real time: rows are stamped by it

    @property
    def enabled(self) -> bool:
        return self._config.retention_days > 0

    async def prune(self, floor: Floor | None) -> Pruned:
        """One clean-up; without ``floor`` (no feed) deliveries are kept, the queue is pruned."""
        if not self.enabled:
            return Pruned()
        before = self._wall() - timedelta(days=self._config.retention_days)
        deliveries = 0
        if floor is not None:
            found = await floor()
            below = found if found is not None else await self._past_newest()
            deliveries = await self._chunks(
                "notify_deliveries",
                lambda s, n: prune_deliveries(s, before=before, below_alert=below, limit=n),
            )
        outbox = await self._chunks(
            "sms_outbox", lambda s, n: prune_outbox(s, before=before, limit=n)
        )
        if deliveries or outbox:
            _log.info("deleted %d ledger and %d SMS queue rows past retention", deliveries, outbox)
        return Pruned(deliveries, outbox)

    async def _chunks(
        self, table: str, chunk: Callable[[AsyncSession, int], Awaitable[int]]
    ) -> int:
        size = self._config.retention_chunk_rows
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                done = await chunk(session, size)
            total += done
            if self._metrics is not None and done:
                self._metrics.pruned.labels(table).inc(done)
            if done < size:
                return total
            await asyncio.sleep(0)  # let the notifier's own work in between chunks

    async def _past_newest(self) -> int:
        """An alert id above every stored one (the feed holds nothing)."""
        async with self._sessions() as session:
            return await latest_alert_id(session) + 1
