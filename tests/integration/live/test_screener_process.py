"""The ``tradeassist screener`` process: stops cleanly on SIGINT, survives SIGKILL."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from live_helpers import DATASET, SimDay, by_key, start_gateway, stored_alerts

from tradeassist.feeds.databento.gateway import LoopbackGateway

pytestmark = pytest.mark.slow


def screener_command() -> list[str]:
    return [str(Path(sys.executable).with_name("tradeassist")), "screener"]


async def spawn(
    day: SimDay, gateway: LoopbackGateway, url: str, data_dir: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADEASSIST_", "REDIS"))}
    env.update(
        DATABENTO_API_KEY=gateway.api_key,
        DATABASE_URL=url,
        TRADEASSIST_DATA_DIR=str(data_dir),
        TRADEASSIST_DATABENTO_DATASET=DATASET,
        TRADEASSIST_DATABENTO_GATEWAY="127.0.0.1",
        TRADEASSIST_DATABENTO_PORT=str(gateway.port),
    )
    argv = [*screener_command(), "--reference", str(day.reference), "--start", "all"]
    return await asyncio.create_subprocess_exec(
        *argv, env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL
    )


async def count(url: str) -> int:
    return len(await stored_alerts(url))


async def wait_for_stored(url: str, at_least: int, seconds: float) -> int:
    stored = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stored = await count(url)
        if stored >= at_least:
            return stored
        await asyncio.sleep(0.2)
    raise AssertionError(f"only {stored} alerts stored after {seconds:g} s")


async def test_sigint_stops_the_screener_within_10_s_with_everything_stored(
    sim_day: SimDay, database_url: str, tmp_path: Path
) -> None:
    gateway = await start_gateway(sim_day, rate=4_000.0)  # 30,000 records: 7.5 s of market
    try:
        proc = await spawn(sim_day, gateway, database_url, tmp_path)
        await wait_for_stored(database_url, 20, 90)
        asked = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 15)
        took = time.monotonic() - asked
    finally:
        await gateway.close()
    stderr = err.decode()
    assert proc.returncode == 0, stderr
    assert took < 10.0
    raised = re.search(r"([\d,]+) alerts raised, ([\d,]+) newly stored", stderr)
    assert raised, stderr
    stored = await stored_alerts(database_url)
    assert int(raised[1].replace(",", "")) == int(raised[2].replace(",", "")) == len(stored)
    assert 0 < len(stored) < len(sim_day.replayed)  # stopped mid-day
    replayed = {(a["trigger_time"], a["symbol"], a["alert_type"]): a for a in sim_day.replayed}
    for alert in stored:
        assert replayed[(alert["trigger_time"], alert["symbol"], alert["alert_type"])] == alert


async def test_a_screener_killed_mid_stream_and_restarted_stores_every_alert_once(
    sim_day: SimDay, database_url: str, tmp_path: Path
) -> None:
    gateway = await start_gateway(sim_day, rate=5_000.0)
    try:
        first = await spawn(sim_day, gateway, database_url, tmp_path)
        before = await wait_for_stored(database_url, 50, 90)
        first.kill()  # SIGKILL: no clean-up at all
        await first.wait()
        assert before < len(sim_day.replayed)
        second = await spawn(sim_day, gateway, database_url, tmp_path)
        await wait_for_stored(database_url, len(sim_day.replayed), 90)
        await asyncio.sleep(0.5)  # anything doubled would show up now
        second.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(second.communicate(), 15)
    finally:
        await gateway.close()
    assert second.returncode == 0, err.decode()
    stored = await stored_alerts(database_url)
    assert by_key(stored) == by_key(sim_day.replayed)  # every alert, each exactly once
