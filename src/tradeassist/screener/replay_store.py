"""Storing a replay's alerts and bars through the store layer, in batches.

The replay loop is synchronous and CPU-bound; one event loop (an
``asyncio.Runner``) is kept for the whole run and each batch is written in a
transaction of its own. ``insert_alerts`` is idempotent, so a replay run twice
stores every alert once. Bars stay columns (the engine's ``BarSet``) and go in
as one statement per batch, the live bar writer's (rows equal to the ORM's).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType

from tradeassist.domain.alerts import Alert
from tradeassist.screener.bar_output import BarSet

__all__ = ["ReplayStore"]

ALERT_BATCH = 2_000
BAR_BATCH = 20_000


class ReplayStore:
    """Buffers alerts and bars and writes them to ``url`` when a batch fills."""

    def __init__(self, url: str) -> None:
        from tradeassist.live.bar_upsert import BarUpsert
        from tradeassist.store.database import create_engine, is_postgres, session_factory

        self._url = url
        self._upsert = BarUpsert(is_postgres(url))
        self._runner = asyncio.Runner()
        self._engine = create_engine(url)
        self._sessions = session_factory(self._engine)
        self._alerts: list[Alert] = []
        self._bars: list[BarSet] = []
        self._bar_count = 0
        self.stored = 0  # alerts new to the database

    def add(self, alerts: Sequence[Alert], bars: BarSet) -> None:
        self._alerts += alerts
        if len(bars):
            self._bars.append(bars)
            self._bar_count += len(bars)
        if len(self._alerts) >= ALERT_BATCH or self._bar_count >= BAR_BATCH:
            self.flush()

    def flush(self) -> None:
        if self._alerts or self._bars:
            alerts, bars = self._alerts, BarSet.concat(self._bars)
            self._alerts, self._bars, self._bar_count = [], [], 0
            self.stored += self._runner.run(self._write(alerts, bars))

    async def _write(self, alerts: Sequence[Alert], bars: BarSet) -> int:
        from tradeassist.store.alerts import insert_alerts
        from tradeassist.store.database import storage_errors

        async with storage_errors(self._url, "store alerts"), self._sessions() as session:
            new = await insert_alerts(session, alerts=alerts) if alerts else 0
            if len(bars):
                sql, parameters = self._upsert.statement(bars)
                conn = await session.connection()
                await conn.exec_driver_sql(sql, parameters)
            await session.commit()
        return new

    def close(self) -> None:
        try:
            self._runner.run(self._engine.dispose())
        finally:
            self._runner.close()

    def __enter__(self) -> ReplayStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
