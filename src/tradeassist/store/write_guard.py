"""Short write transactions that do not fight each other on SQLite.

SQLite has one writer at a time. Many concurrent writers in one process (a
Temporal worker runs up to a hundred activities at once) otherwise queue in
SQLite's busy handler, which sleeps in growing steps and gives up with
"database is locked" after the busy timeout; a transaction that read first
and writes second can even fail at once when another writer committed in
between. A :class:`WriteGuard` lets one of this process's write transactions
run at a time on SQLite (other processes are still covered by the busy
timeout) and does nothing on PostgreSQL, which has row locks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

__all__ = ["WriteGuard"]


class WriteGuard:
    """``async with guard.transaction() as session``: a committed-on-exit write transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        sqlite = isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite"
        self._lock = asyncio.Lock() if sqlite else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with (
            self._lock or contextlib.nullcontext(),
            self._sessions() as session,
            session.begin(),
        ):
            yield session
