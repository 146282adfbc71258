"""The batched alert writer: each alert stored once, spooled to disk while the database is down."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tradeassist.bus.memory import InProcessBus
from tradeassist.domain.alerts import Alert
from tradeassist.live.alert_store import SqlAlertStore
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.publisher import Publisher
from tradeassist.live.sink import AlertSink, PendingAlert
from tradeassist.live.spool import AlertSpool
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.alerts import StoredAlert
from tradeassist.store.database import create_engine, session_factory, storage_errors
from tradeassist.store.tables import AlertRow


class FlakyStore:
    """The real alert store of a database, failing to connect while ``down`` is set.

    It runs in the commit process: ``down`` is a file, so this test can flip it."""

    def __init__(self, url: str, flag: Path) -> None:
        self._store = SqlAlertStore(url)
        self._url = url
        self._flag = flag

    @property
    def down(self) -> bool:
        return self._flag.exists()

    @down.setter
    def down(self, value: bool) -> None:
        if value:
            self._flag.touch()
        else:
            self._flag.unlink(missing_ok=True)

    async def open(self) -> None:
        await self._store.open()

    async def store(self, alerts: Sequence[Alert]) -> list[StoredAlert]:
        if self.down:
            async with storage_errors(self._url, "store alerts"):
                raise ConnectionRefusedError(111, "Connection refused")
        return await self._store.store(alerts)

    async def store_bars(self, bars: BarSet) -> None:
        await self._store.store_bars(bars)

    async def close(self) -> None:
        await self._store.close()


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


async def eventually(condition: Any, seconds: float = 20.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling state the code under test changes
            await asyncio.sleep(0.01)


async def test_alerts_survive_an_outage_and_are_stored_and_published_once(
    database: AsyncEngine, tmp_path: Path
) -> None:
    url = database.url.render_as_string(hide_password=False)
    store = FlakyStore(url, tmp_path / "down")
    bus = InProcessBus()
    await bus.start()
    status, metrics = ScreenerStatus(), LiveMetrics(keep_samples=True)
    spool = AlertSpool(tmp_path / "spool.jsonl")
    publisher = Publisher(bus)
    sink = AlertSink(
        database_url=url,
        spool=spool,
        metrics=metrics,
        status=status,
        publisher=publisher,
        store=store,
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
    store.down = True
    sink.submit([alert(n) for n in range(10, 25)], [])
    await eventually(lambda: spool.pending == 15)
    assert not status.database_ok
    assert len((tmp_path / "spool.jsonl").read_text().splitlines()) == 15  # on disk, durable
    sink.submit([alert(3), alert(30)], [])  # a repeat and a new one, still down
    await eventually(lambda: spool.pending == 17)
    store.down = False
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
    url = database.url.render_as_string(hide_password=False)
    store = FlakyStore(url, tmp_path / "down")
    store.down = True

    def make() -> tuple[AlertSink, AlertSpool, ScreenerStatus]:
        spool, status = AlertSpool(tmp_path / "spool.jsonl"), ScreenerStatus()
        sink = AlertSink(
            database_url=url,
            spool=spool,
            metrics=LiveMetrics(),
            status=status,
            store=store,
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

    store.down = False
    sink, spool, status = make()
    assert status.spool_pending == 5
    running = asyncio.create_task(sink.run())
    sink.close()
    await running
    spool.close()
    assert len(await stored_keys(database)) == 5
