"""The screener service live on the loopback gateway stores exactly replay's alerts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from live_helpers import SimDay, by_key, eventually, feed_for, start_gateway, stored_alerts
from sqlalchemy import func, select

from tradeassist.bus.memory import InProcessBus
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.service import run_screener
from tradeassist.settings import load_settings
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.tables import BarRow


async def count_bars(url: str) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(BarRow)) or 0)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("fault", [None, "reset"])
async def test_stored_alerts_are_replays_alerts_each_once(
    sim_day: SimDay, database_url: str, tmp_path: Path, fault: str | None
) -> None:
    gateway = await start_gateway(sim_day, rate=15_000.0)
    settings = load_settings(database_url=database_url, data_dir=tmp_path)
    bus = InProcessBus()
    await bus.start()
    published: list[int] = []

    async def listen() -> None:
        async with bus.subscribe() as subscription:
            async for batch in subscription:
                published.extend(s.id for s in batch)

    listening = asyncio.create_task(listen())
    status, metrics, stop = ScreenerStatus(), LiveMetrics(keep_samples=True), asyncio.Event()
    running = asyncio.create_task(
        run_screener(
            settings,
            reference=sim_day.reference,
            feed=feed_for(gateway),
            stop=stop,
            bus=bus,
            status=status,
            metrics=metrics,
        )
    )
    try:
        if fault:
            await eventually(lambda: status.records > 10_000, 60, "10,000 records")
            gateway.drop_connections(reset=True)
        total = sim_day.records.shape[0]
        await eventually(lambda: status.records >= total, 60, "every record screened")
        await eventually(lambda: status.alerts_pending == 0, 20, "the sink to catch up")
        assert status.feed_lag_seconds() is not None and status.running
        stop.set()
        summary = await asyncio.wait_for(running, 15)
    finally:
        stop.set()
        await gateway.close()
    await eventually(lambda: len(published) >= summary.alerts_stored, 5, "the bus")
    listening.cancel()
    await bus.close()

    stored = await stored_alerts(database_url)
    assert by_key(stored) == by_key(sim_day.replayed)  # same alerts, same fields and values
    assert summary.records == sim_day.records.shape[0]
    assert summary.alerts_stored == len(stored) and summary.alerts_spooled == 0
    assert sorted(published) == sorted(set(published)) and len(published) == len(stored)
    assert (summary.reconnects >= 1) == (fault is not None)
    assert await count_bars(database_url) > 0
    assert metrics.samples is not None and len(metrics.samples) == len(stored)
