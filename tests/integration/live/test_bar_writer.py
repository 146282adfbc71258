"""The screener's one-minute bars keep up with its alerts and are all stored at a stop."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from live_helpers import SimDay, eventually, feed_for, make_sim_day, start_gateway
from sqlalchemy import select

from tradeassist.domain.alerts import parse_ns
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.service import run_screener
from tradeassist.settings import load_settings
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.tables import BarRow

_MINUTE_NS = 60_000_000_000


@pytest.fixture(scope="module")
def busy_day(tmp_path_factory: pytest.TempPathFactory) -> SimDay:
    """200 symbols over a whole day in 150,000 records: many bars a second when streamed."""
    return make_sim_day(tmp_path_factory.mktemp("bars") / "day.dbn", symbols=200, records=150_000)


async def stored_minutes(url: str) -> set[tuple[str, int]]:
    """(symbol, minute start in UTC ns) of every stored bar."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = (await session.execute(select(BarRow.symbol, BarRow.start))).all()
    finally:
        await engine.dispose()
    return {(symbol, int(start.timestamp()) * 1_000_000_000) for symbol, start in rows}


async def test_bars_cover_every_alerted_minute_after_a_stop(
    busy_day: SimDay, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Arrange: the day streamed at 30,000 records/s (about 15,000 bars/s to store)
    gateway = await start_gateway(busy_day, rate=30_000.0)
    settings = load_settings(database_url=database_url, data_dir=tmp_path)
    status, stop = ScreenerStatus(), asyncio.Event()
    running = asyncio.create_task(
        run_screener(
            settings,
            reference=busy_day.reference,
            feed=feed_for(gateway, stale_after_s=10),
            stop=stop,
            status=status,
            metrics=LiveMetrics(),
        )
    )
    caplog.set_level(logging.WARNING, logger="tradeassist")
    try:
        # Act: stop as soon as every record is screened and its alerts committed
        total = busy_day.records.shape[0]
        await eventually(lambda: status.records >= total, 60, "every record screened")
        await eventually(lambda: status.alerts_pending == 0, 20, "the alerts committed")
        stop.set()
        stopping = time.monotonic()
        summary = await asyncio.wait_for(running, 15)
        stop_s = time.monotonic() - stopping
    finally:
        stop.set()
        await gateway.close()

    # Assert: every minute an alert fell in has its symbol's bar, nothing was left behind
    bars = await stored_minutes(database_url)
    alerted = {(a["symbol"], parse_ns(a["trigger_time"])) for a in busy_day.replayed}
    missing = sorted(
        (s, t - t % _MINUTE_NS) for s, t in alerted if (s, t - t % _MINUTE_NS) not in bars
    )
    assert missing == []
    last_bar: dict[str, int] = {}
    for s, t in bars:
        last_bar[s] = max(t, last_bar.get(s, t))
    last_alert: dict[str, int] = {}
    for s, t in alerted:
        last_alert[s] = max(t, last_alert.get(s, t))
    for symbol, t in last_alert.items():
        assert last_bar[symbol] >= t - t % _MINUTE_NS
    assert summary.alerts_stored == len(busy_day.replayed)
    assert status.bars_pending == 0 and status.bars_stored == len(bars)
    assert not [r for r in caplog.records if "bars" in r.getMessage()]
    assert stop_s < 10
