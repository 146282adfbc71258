"""Two screener shards on Redis Streams store and publish exactly one process's alerts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from live_helpers import SimDay, by_key, eventually, feed_for, start_gateway, stored_alerts

from tradeassist.bus.redis_streams import RedisStreamBus
from tradeassist.live.metrics import ScreenerStatus
from tradeassist.live.service import run_screener
from tradeassist.settings import load_settings
from tradeassist.store.alerts import StoredAlert

pytestmark = pytest.mark.redis


async def test_two_shards_raise_the_alerts_of_one_process_each_once(
    sim_day: SimDay, database_url: str, redis_url: str, redis_key_prefix: str, tmp_path: Path
) -> None:
    stream = redis_key_prefix + "alerts"
    reader = RedisStreamBus(redis_url, stream=stream)
    await reader.start()
    seen: list[StoredAlert] = []
    ready = asyncio.Event()

    async def listen() -> None:
        async with reader.subscribe() as subscription:
            ready.set()
            async for batch in subscription:
                seen.extend(batch)

    listening = asyncio.create_task(listen())
    await ready.wait()
    gateway = await start_gateway(sim_day, rate=None)
    settings = load_settings(database_url=database_url, data_dir=tmp_path)
    stop = asyncio.Event()
    statuses = [ScreenerStatus(), ScreenerStatus()]
    shards = [
        asyncio.create_task(
            run_screener(
                settings,
                reference=sim_day.reference,
                shard=(index, 2),
                feed=feed_for(gateway),
                stop=stop,
                bus=RedisStreamBus(redis_url, stream=stream),
                status=statuses[index],
            )
        )
        for index in range(2)
    ]
    total = sim_day.records.shape[0]
    try:
        await eventually(
            lambda: all(s.records >= total and not s.alerts_pending for s in statuses),
            90,
            "both shards to screen the day",
        )
    finally:
        stop.set()
        summaries = await asyncio.wait_for(asyncio.gather(*shards), 20)
        await gateway.close()
    stored = await stored_alerts(database_url)
    assert by_key(stored) == by_key(sim_day.replayed)
    assert all(s.alerts_stored > 0 for s in summaries)  # both did part of the work
    assert sum(s.alerts_stored for s in summaries) == len(stored)
    await eventually(lambda: len(seen) >= len(stored), 10, "every alert on the stream")
    listening.cancel()
    await reader.close()
    assert len({s.id for s in seen}) == len(seen) == len(stored)
    on_stream = [json.loads(json.dumps(s.alert.to_json_dict())) for s in seen]
    assert by_key(on_stream) == by_key(stored)
