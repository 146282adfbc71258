"""Alerts on a Redis Stream: every reader sees all; a consumer group loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

import pytest

from tradeassist.bus.base import BusLagged
from tradeassist.bus.redis_group import RedisAlertGroup
from tradeassist.bus.redis_streams import RedisStreamBus, encode_entry
from tradeassist.domain.alerts import Alert
from tradeassist.store.alerts import StoredAlert

pytestmark = pytest.mark.redis


def stored(alert_id: int) -> StoredAlert:
    alert = Alert(
        symbol="AAPL",
        alert_type="gap_up",
        trigger_price=100.0 + alert_id,
        trigger_time_ns=1_773_149_400_000_000_000 + alert_id,
        trading_day="2026-03-10",
        level=str(alert_id),
        conditions={"pct_move": 3.25, "previous_close": 97.0},
        metadata={"bid": 99.99, "ask": None, "spread": None},
    )
    return StoredAlert(id=alert_id, alert=alert, created_at=dt.datetime.now(dt.UTC))


async def collect(bus: RedisStreamBus, count: int, ready: asyncio.Event) -> list[StoredAlert]:
    got: list[StoredAlert] = []
    async with bus.subscribe() as subscription:
        ready.set()
        async for batch in subscription:
            got.extend(batch)
            if len(got) >= count:
                return got
    return got


async def test_every_replica_reads_the_whole_stream(redis_url: str, redis_key_prefix: str) -> None:
    stream = redis_key_prefix + "alerts"
    publisher, *replicas = [RedisStreamBus(redis_url, stream=stream) for _ in range(3)]
    for bus in (publisher, *replicas):
        await bus.start()
    await publisher.publish([stored(1)])  # before anyone listens: not delivered
    readies = [asyncio.Event() for _ in replicas]
    pairs = zip(replicas, readies, strict=True)
    readers = [asyncio.create_task(collect(bus, 5, ready)) for bus, ready in pairs]
    for ready in readies:
        await ready.wait()
    await publisher.publish([stored(3), stored(2)])
    await publisher.publish([stored(4), stored(5), stored(6)])
    results = await asyncio.wait_for(asyncio.gather(*readers), 10)
    for got in results:
        assert [s.id for s in got][:5] == [2, 3, 4, 5, 6]  # id order, each once
        assert got[0].alert == stored(2).alert  # every field through the stream
    await publisher.check()
    for bus in (publisher, *replicas):
        await bus.close()


async def test_a_reader_the_stream_was_trimmed_past_catches_up_from_the_store(
    redis_url: str, redis_key_prefix: str
) -> None:
    import redis.asyncio as aioredis

    stream = redis_key_prefix + "alerts"
    bus = RedisStreamBus(redis_url, stream=stream, block_ms=100)
    await bus.start()
    raw = aioredis.Redis.from_url(redis_url)
    async with bus.subscribe() as subscription:
        # Alerts published and trimmed away before this reader could read them ...
        async with raw.pipeline(transaction=True) as pipe:
            for n in range(1, 50):
                pipe.xadd(stream, encode_entry(stored(n)))  # type: ignore[arg-type]
            pipe.xtrim(stream, maxlen=0)
            await pipe.execute()
        await bus.publish([stored(50)])
        # ... make it lag: its subscribers catch up from the store, by id.
        with pytest.raises(BusLagged):
            async with asyncio.timeout(10):
                async for _ in subscription:
                    pass
    await raw.aclose()
    await bus.close()


async def group(url: str, stream: str, consumer: str, idle_ms: int = 60_000) -> RedisAlertGroup:
    member = RedisAlertGroup(
        url, group="notifier", consumer=consumer, stream=stream, claim_idle_ms=idle_ms
    )
    await member.start()
    return member


def ids(messages: Sequence[object]) -> list[int]:
    return [m.stored.id for m in messages]  # type: ignore[attr-defined]


async def test_a_consumer_killed_before_acknowledging_gets_its_alerts_again(
    redis_url: str, redis_key_prefix: str
) -> None:
    stream = redis_key_prefix + "alerts"
    first = await group(redis_url, stream, "notifier-1")
    bus = RedisStreamBus(redis_url, stream=stream)
    await bus.publish([stored(1), stored(2), stored(3)])
    got = await first.read(count=10, block_ms=500)
    assert ids(got) == [1, 2, 3]
    await first.ack([got[0].entry_id])
    await first.close()  # dies with 2 and 3 unacknowledged

    restarted = await group(redis_url, stream, "notifier-1")
    again = await restarted.read(count=10, block_ms=500)
    assert ids(again) == [2, 3]
    await restarted.ack([m.entry_id for m in again])
    await bus.publish([stored(4)])
    assert ids(await restarted.read(count=10, block_ms=500)) == [4]
    await restarted.close()
    await bus.close()


async def test_another_consumer_claims_what_a_dead_one_left_pending(
    redis_url: str, redis_key_prefix: str
) -> None:
    stream = redis_key_prefix + "alerts"
    dead = await group(redis_url, stream, "notifier-a", idle_ms=200)
    alive = await group(redis_url, stream, "notifier-b", idle_ms=200)
    bus = RedisStreamBus(redis_url, stream=stream)
    await bus.publish([stored(n) for n in range(1, 6)])
    taken = await dead.read(count=3, block_ms=500)
    assert ids(taken) == [1, 2, 3]
    await dead.close()  # never comes back
    shared = await alive.read(count=10, block_ms=500)
    assert ids(shared) == [4, 5]  # the group shares work: 1-3 belong to the dead one
    await alive.ack([m.entry_id for m in shared])
    await asyncio.sleep(0.3)  # longer than claim_idle_ms
    claimed = await alive.read(count=10, block_ms=500)
    assert ids(claimed) == [1, 2, 3]
    await alive.ack([m.entry_id for m in claimed])
    assert await alive.read(count=10, block_ms=200) == []
    await alive.close()
    await bus.close()
