"""With ``REDIS_URL`` the per-user text limit is one limit, shared by every notifier replica.

Two notifiers on one consumer group share a burst of alerts for one user:
together they text at most ``sms_per_minute`` of them in any 60 seconds, the
rest go out in one digest (sent by one replica, once), and each alert reaches
the user exactly once, by text or in the digest. With a budget per replica
(the old design) each texted its own limit's worth: up to twice the limit.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
import redis.asyncio as aioredis
from notify_helpers import T0, Clock, add_user, gap_alert
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.bus.redis_group import RedisAlertGroup
from tradeassist.bus.redis_streams import RedisStreamBus
from tradeassist.notify.budget import TextRule
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.desk import RecordingTradeDesk
from tradeassist.notify.follow import GroupFeed
from tradeassist.notify.redis_budget import RedisBudgetStore
from tradeassist.notify.service import build_notify
from tradeassist.settings import Settings
from tradeassist.store.alerts import store_alerts
from tradeassist.store.subscriptions import add_subscription
from tradeassist.store.tables import NotifyDeliveryRow, SmsMessageRow

pytestmark = pytest.mark.redis

LIMIT = 3
USER, PHONE = "u1", "+15551230001"
SYMBOLS = [f"B{n:02d}" for n in range(20)]
MINUTE = timedelta(seconds=60)


def budget_store(redis_url: str, prefix: str) -> RedisBudgetStore[str]:
    rule = TextRule(LIMIT, digest_window=timedelta(seconds=1))
    return RedisBudgetStore(redis_url, rule=rule, prefix=prefix, encode=str, decode=bytes.decode)


async def test_two_stores_count_one_limit_and_hand_a_digest_out_once(
    redis_url: str, redis_key_prefix: str
) -> None:
    replicas = [budget_store(redis_url, redis_key_prefix) for _ in range(2)]

    offers = [
        replicas[n % 2].offer(USER, f"alert-{n}", T0 + timedelta(milliseconds=n)) for n in range(40)
    ]
    texted = await asyncio.gather(*offers)  # all at once: the transactions collide
    later = T0 + MINUTE + timedelta(seconds=1)
    digests = await asyncio.gather(*(r.due_digests(later) for r in replicas))
    async with aioredis.Redis.from_url(redis_url) as client:
        sent_ttl = await client.pttl(f"{redis_key_prefix}{USER}:sent")
    for replica in replicas:
        await replica.aclose()

    assert sum(texted) == LIMIT
    assert sorted(len(d) for d in digests) == [0, 1]
    [(user, held)] = digests[0] or digests[1]
    assert user == USER
    assert sorted(held) == sorted(f"alert-{n}" for n, ok in enumerate(texted) if not ok)
    assert 0 < sent_ttl <= 61_000  # the count expires with its minute


async def test_two_notifier_replicas_share_the_limit_and_send_one_digest(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    console: ConsoleTransport,
    redis_url: str,
    redis_key_prefix: str,
) -> None:
    stream = redis_key_prefix + "alerts"
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_stream=stream,
        _env_file=None,  # type: ignore[call-arg]
    )
    config = NotifyConfig(sms_per_minute=LIMIT, digest_window_seconds=1.0, digest_max_lines=50)
    replicas = [
        build_notify(
            settings=settings,
            sessions=sessions,
            config=config,
            desk=RecordingTradeDesk(),
            transport=console,
            clock=clock,
        )
        for _ in range(2)
    ]
    await add_user(sessions, USER, PHONE)
    async with sessions() as session, session.begin():
        await add_subscription(session, user_id=USER, values={"channels": ["sms"]})
    feeds = [
        GroupFeed(
            RedisAlertGroup(redis_url, group="notifier", consumer=f"r{n}", stream=stream),
            block_ms=100,
        )
        for n in range(2)
    ]
    for feed in feeds:
        await feed.prepare()
    stop = asyncio.Event()
    running = [
        asyncio.create_task(services.run(stop, feed=feed))
        for services, feed in zip(replicas, feeds, strict=True)
    ]
    publisher = RedisStreamBus(redis_url, stream=stream)
    async with sessions() as session, session.begin():
        stored = await store_alerts(
            session, alerts=[gap_alert(n, s) for n, s in enumerate(SYMBOLS)]
        )

    # The burst, at one instant of the (hand-moved) clock: one alert at a time, so
    # both replicas take part of it.
    for alert in stored:
        await publisher.publish([alert])
        await asyncio.sleep(0.01)
    await until(lambda: recorded(sessions, len(SYMBOLS)))
    clock.advance(61)  # the minute passes: the digest has room
    await until(lambda: digest_sent(console))
    await asyncio.sleep(2.5)  # two more flushes of each replica: a second digest would show
    stop.set()
    await asyncio.gather(*running)
    await publisher.close()
    handled = [
        services.metrics.registry.get_sample_value("tradeassist_notify_alerts_total") or 0
        for services in replicas
    ]
    for services in replicas:
        await services.aclose()

    assert min(handled) > 0 and sum(handled) == len(SYMBOLS)  # both replicas did part
    alerts = [body for _, body in console.sent if body.startswith("TradeAssist: ")]
    digests = [body for _, body in console.sent if body.startswith("TradeAssist digest")]
    assert len(alerts) == LIMIT
    assert len(digests) == 1
    each = Counter(s for body in alerts + digests for s in re.findall(r"\bB\d\d\b", body))
    assert each == Counter(SYMBOLS)  # every alert once: texted or in the digest
    async with sessions() as session:
        times = sorted((await session.scalars(select(SmsMessageRow.created_at))).all())
        states = Counter((await session.scalars(select(NotifyDeliveryRow.state))).all())
    assert max(sum(1 for u in times if t - MINUTE < u <= t) for t in times) <= LIMIT
    assert states == {"sent": len(SYMBOLS)}


async def recorded(sessions: async_sessionmaker[AsyncSession], count: int) -> bool:
    async with sessions() as session:
        rows = (await session.scalars(select(NotifyDeliveryRow.id))).all()
    return len(rows) >= count


async def digest_sent(console: ConsoleTransport) -> bool:
    return any(body.startswith("TradeAssist digest") for _, body in console.sent)


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")
