"""The batched alert writer: each alert stored once, spooled to disk while the database is down."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tradeassist.bus.memory import InProcessBus
from tradeassist.domain.alerts import Alert
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.publisher import Publisher
from tradeassist.live.sink import AlertSink, PendingAlert
from tradeassist.live.spool import AlertSpool
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.tables import AlertRow


class FlakySessions:
    """Sessions of a real database that fail to connect while ``down`` is set."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self.down = False

    def __call__(self) -> Any:
        @asynccontextmanager
        async def session() -> AsyncIterator[AsyncSession]:
            if self.down:
                raise ConnectionRefusedError(111, "Connection refused")
            async with self._sessions() as s:
                yield s

        return session()


def alert(n: int) -> PendingAlert:
    a = Alert(
        symbol=f"S{n % 7}",
        alert_type="new_high_of_day",
        trigger_price=20.0 + n / 100,
        trigger_time_ns=1_773_149_400_000_000_000 + n,
        trading_day="2026-03-10",
        level=f"b{n}",
        conditions={"pct_move": 1.0},
        metadata={"bid": 19.99, "ask": 20.01, "spread": 0.02},
    )
    return PendingAlert(a, 0)


@pytest.fixture
async def database(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    path = tmp_path / "db.sqlite"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    yield engine
    await engine.dispose()


async def stored_keys(engine: AsyncEngine) -> list[str]:
    async with session_factory(engine)() as s:
        return list(await s.scalars(select(AlertRow.idempotency_key).order_by(AlertRow.id)))


async def eventually(condition: Any, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling state the code under test changes
            await asyncio.sleep(0.01)


async def test_alerts_survive_an_outage_and_are_stored_and_published_once(
    database: AsyncEngine, tmp_path: Path
) -> None:
    sessions = FlakySessions(session_factory(database))
    bus = InProcessBus()
    await bus.start()
    url = str(database.url)
    status, metrics = ScreenerStatus(), LiveMetrics(keep_samples=True)
    spool = AlertSpool(tmp_path / "spool.jsonl")
    publisher = Publisher(bus)
    sink = AlertSink(
        sessions,  # type: ignore[arg-type]
        database_url=url,
        spool=spool,
        metrics=metrics,
        status=status,
        publisher=publisher,
        retry_s=0.05,
    )
    published: list[int] = []

    async def listen() -> None:
        async with bus.subscribe() as sub:
            async for batch in sub:
                published.extend(s.id for s in batch)

    listening = asyncio.create_task(listen())
    await asyncio.sleep(0)
    tasks = [asyncio.create_task(sink.run()), asyncio.create_task(publisher.run())]

    sink.submit([alert(n) for n in range(10)], [])
    await eventually(lambda: status.alerts_stored == 10)
    sessions.down = True
    sink.submit([alert(n) for n in range(10, 25)], [])
    await eventually(lambda: spool.pending == 15)
    assert not status.database_ok
    assert len((tmp_path / "spool.jsonl").read_text().splitlines()) == 15  # on disk, durable
    sink.submit([alert(3), alert(30)], [])  # a repeat and a new one, still down
    await eventually(lambda: spool.pending == 17)
    sessions.down = False
    await eventually(lambda: spool.pending == 0 and status.alerts_stored == 26)
    sink.close()
    publisher.close()
    await asyncio.gather(*tasks)
    await eventually(lambda: len(published) == 26)
    listening.cancel()
    spool.close()

    keys = await stored_keys(database)
    assert sorted(keys) == sorted({alert(n).alert.idempotency_key for n in [*range(25), 30]})
    assert sorted(published) == sorted(set(published))  # each published once
    assert status.database_ok and status.alerts_spooled == 17
    assert metrics.samples is not None and len(metrics.samples) == 10  # committed directly


async def test_alerts_spooled_at_shutdown_are_flushed_by_the_next_run(
    database: AsyncEngine, tmp_path: Path
) -> None:
    sessions = FlakySessions(session_factory(database))
    sessions.down = True
    url = str(database.url)

    def make() -> tuple[AlertSink, AlertSpool, ScreenerStatus]:
        spool, status = AlertSpool(tmp_path / "spool.jsonl"), ScreenerStatus()
        sink = AlertSink(
            sessions,  # type: ignore[arg-type]
            database_url=url,
            spool=spool,
            metrics=LiveMetrics(),
            status=status,
            retry_s=0.05,
        )
        return sink, spool, status

    sink, spool, _ = make()
    running = asyncio.create_task(sink.run())
    sink.submit([alert(n) for n in range(5)], [])
    sink.close()
    await running
    spool.close()
    assert await stored_keys(database) == []

    sessions.down = False
    sink, spool, status = make()
    assert status.spool_pending == 5
    running = asyncio.create_task(sink.run())
    sink.close()
    await running
    spool.close()
    assert len(await stored_keys(database)) == 5
