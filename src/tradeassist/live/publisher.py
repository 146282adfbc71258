"""Publishing committed alerts on the bus, in commit order, off the write path.

The sink hands over each committed batch as "the rows with these idempotency
keys and an id above N" (N read under the insert lock before inserting, so only
alerts this batch stored are published: a re-derived alert after a restart is
not sent twice). The rows are read back here, after the commit, so reading
them never delays the next commit; a failure (the database or the bus gone)
is retried in order until it succeeds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.alerts import Alert
from tradeassist.store.alert_queries import ALERT_COLUMNS, row_to_stored
from tradeassist.store.alerts import StoredAlert
from tradeassist.store.database import storage_errors
from tradeassist.store.tables import AlertRow

__all__ = ["CommittedBatch", "Publisher", "Publishes", "read_committed"]

log = logging.getLogger(__name__)

_T = AlertRow.__table__.c
_RETRY_S = 1.0


class Publishes(Protocol):
    """What the publisher needs of a bus (every ``AlertBus`` has it)."""

    async def publish(self, alerts: Sequence[StoredAlert]) -> None: ...


@dataclass(frozen=True, slots=True)
class CommittedBatch:
    """Alerts one transaction stored: ids above ``after_id`` with one of ``keys``."""

    after_id: int
    keys: tuple[str, ...]


async def read_committed(
    sessions: async_sessionmaker[AsyncSession], url: str, batch: CommittedBatch
) -> list[StoredAlert]:
    """The stored rows of ``batch``, by id."""
    query: Select[Any] = (
        select(*ALERT_COLUMNS)
        .where(_T.id > batch.after_id, _T.idempotency_key.in_(batch.keys))
        .order_by(_T.id)
    )
    async with storage_errors(url, "read stored alerts"), sessions() as session:
        rows = (await session.execute(query)).all()
    return [row_to_stored(row) for row in rows]


class Publisher:
    """Reads back and publishes committed batches, one at a time, in order."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], url: str, bus: Publishes
    ) -> None:
        self._sessions = sessions
        self._url = url
        self._bus = bus
        self._queue: deque[CommittedBatch] = deque()
        self._ready = asyncio.Event()
        self._closing = False
        self.published = 0

    @property
    def pending(self) -> int:
        return len(self._queue)

    def submit(self, batch: CommittedBatch) -> None:
        self._queue.append(batch)
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
            try:
                stored = await read_committed(self._sessions, self._url, self._queue[0])
                if stored:
                    await self._bus.publish(stored)
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
            self.published += len(stored)


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message else type(exc).__name__


def keys_of(alerts: Sequence[Alert]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.idempotency_key for a in alerts))
