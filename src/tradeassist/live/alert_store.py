"""Where the live screener's store process writes: alerts and one-minute bars.

:class:`SqlAlertStore` uses the standard ``sqlite3`` driver on SQLite (the
process does nothing else, so a synchronous driver has nothing to wait for)
and asyncpg on PostgreSQL, one autocommit statement per alert batch or bar
chunk. On SQLite it turns the log's automatic checkpoints off on its
connections and checkpoints from a thread of its own instead, so a commit never
carries a checkpoint's copy and sync.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from tradeassist.domain.alerts import Alert
from tradeassist.live.bar_upsert import BarUpsert
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.alerts import StoredAlert, store_alerts, store_alerts_sync
from tradeassist.store.database import (
    create_engine,
    create_sqlite_sync_engine,
    is_postgres,
    storage_errors,
)

__all__ = ["AlertStore", "SqlAlertStore"]

_CHECKPOINT_S = 0.5


class AlertStore(Protocol):
    """Where the committer writes: made in the screener, used in the commit process
    (so it must pickle)."""

    async def open(self) -> None: ...

    async def store(self, alerts: Sequence[Alert]) -> list[StoredAlert]:
        """Commit ``alerts`` (idempotent); the rows stored now. StorageError when the
        database cannot be used."""
        ...

    async def store_bars(self, bars: BarSet) -> None:
        """Upsert completed one-minute bars. StorageError when the database cannot be
        used."""
        ...

    async def close(self) -> None: ...


class SqlAlertStore:
    """Commits alerts and bars to ``database_url`` (see the module docstring)."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._postgres = is_postgres(database_url)
        self._bars = BarUpsert(self._postgres)
        self._pg: AsyncEngine | None = None
        self._sqlite: Engine | None = None
        self._checkpoints: _Checkpoints | None = None

    async def open(self) -> None:
        if self._postgres:
            # Made on the commit process's loop: asyncpg's connections belong to the loop
            # they were made on. No pre-ping: a dropped connection fails one commit,
            # which the sink spools and retries. Autocommit: the alert insert takes the
            # insert lock itself and a bar upsert is one statement, so each is its own
            # transaction (no BEGIN, no COMMIT round trip).
            engine = create_engine(self._url, pool_pre_ping=False, pool_size=1, max_overflow=1)
            self._pg = engine.execution_options(isolation_level="AUTOCOMMIT")
            return
        self._sqlite = create_sqlite_sync_engine(self._url)
        # Checkpoints copy the log into the database file and sync it: done on a thread
        # of this process (SQLite lets writers go on meanwhile), never inside a commit.
        database = self._sqlite.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            event.listen(self._sqlite, "connect", _no_autocheckpoint)
            self._checkpoints = _Checkpoints(database)

    async def store(self, alerts: Sequence[Alert]) -> list[StoredAlert]:
        async with storage_errors(self._url, "store alerts"):
            if self._pg is not None:
                async with self._pg.connect() as conn:
                    return await store_alerts(conn, alerts=alerts)
            assert self._sqlite is not None, "open() first"
            with self._sqlite.begin() as conn:
                return store_alerts_sync(conn, alerts=alerts)

    async def store_bars(self, bars: BarSet) -> None:
        if not len(bars):
            return
        sql, parameters = self._bars.statement(bars)
        async with storage_errors(self._url, "store bars"):
            if self._pg is not None:
                async with self._pg.connect() as conn:
                    await conn.exec_driver_sql(sql, parameters)
                return
            assert self._sqlite is not None, "open() first"
            with self._sqlite.begin() as conn:
                conn.exec_driver_sql(sql, parameters)

    async def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.close()
        if self._pg is not None:
            await self._pg.dispose()
        if self._sqlite is not None:
            self._sqlite.dispose()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


class _Checkpoints:
    """Checkpoints a SQLite database's write-ahead log every ``_CHECKPOINT_S`` seconds."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, timeout=_CHECKPOINT_S)
        except sqlite3.Error:
            return
        try:
            while not self._stop.wait(_CHECKPOINT_S):
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2 * _CHECKPOINT_S)
