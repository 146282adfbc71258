"""With ``REDIS_URL``: API replicas share the alert stream's notifications through a consumer group.

Two apps on one database and one Redis stream, as two replicas behind a load
balancer; the screener publishes to the stream as it does with ``REDIS_URL``.
Each alert is texted once (not once per replica), also after a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from api_helpers import make_alert
from fastapi import FastAPI
from sqlalchemy import select

from tradeassist.api import create_app
from tradeassist.bus.redis_streams import RedisStreamBus
from tradeassist.settings import Settings
from tradeassist.store.alerts import StoredAlert, insert_alerts, list_alerts
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.subscriptions import add_subscription
from tradeassist.store.tables import SmsMessageRow, UserRow

pytestmark = pytest.mark.redis

USERS = {
    "aaaaaaaa-0000-4000-8000-00000000000a": "+14155550141",
    "aaaaaaaa-0000-4000-8000-00000000000b": "+14155550142",
}


@pytest.fixture
def replica_settings(settings: Settings, redis_url: str, redis_key_prefix: str) -> Settings:
    # Room in the per-user text limit (one limit, shared by the replicas through
    # Redis) for every test alert: this test is about each alert texted once; the
    # limit across replicas is test_shared_text_limit's. (When each replica had a
    # limit of its own, the consumer group's split decided what was held: flaky.)
    return settings.model_copy(
        update={
            "redis_url": redis_url,
            "redis_stream": f"{redis_key_prefix}alerts",
            "sms_per_minute": 100,
        }
    )


@pytest.fixture
async def screener(replica_settings: Settings, database_url: str) -> AsyncIterator[Screener]:
    made = Screener(replica_settings, database_url)
    await made.bus.start()
    yield made
    await made.bus.close()
    await made.engine.dispose()


class Screener:
    """Stores alerts and publishes them on the Redis stream, as the screener service does."""

    def __init__(self, settings: Settings, database_url: str) -> None:
        assert settings.redis_url is not None
        self.bus = RedisStreamBus(settings.redis_url, stream=settings.redis_stream)
        self.engine = create_engine(database_url)
        self.sessions = session_factory(self.engine)

    async def subscribers(self) -> None:
        verified = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        for user_id, phone in USERS.items():
            async with self.sessions() as session, session.begin():
                session.add(
                    UserRow(id=user_id, phone=phone, phone_verified_at=verified, sms_opt_in=True)
                )
            async with self.sessions() as session, session.begin():
                await add_subscription(session, user_id=user_id, values={"channels": ["sms"]})

    async def raise_alerts(self, *symbols: str) -> list[StoredAlert]:
        alerts = [make_alert(symbol, level=f"redis-{symbol}") for symbol in symbols]
        async with self.sessions() as session, session.begin():
            await insert_alerts(session, alerts=alerts)
        async with self.sessions() as session:
            stored = [
                s for s in await list_alerts(session, limit=1000) if s.alert.symbol in symbols
            ]
        await self.bus.publish(stored)
        return stored

    async def texts(self) -> Counter[tuple[str, str]]:
        """How many alert texts each (phone, symbol) got."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(SmsMessageRow).where(SmsMessageRow.body.like("TradeAssist:%"))
            )
            return Counter((r.to_number, r.body.split()[1]) for r in rows)

    async def wait_for_texts(self, count: int) -> Counter[tuple[str, str]]:
        for _ in range(200):
            if sum((await self.texts()).values()) >= count:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # and no more come
        return await self.texts()


async def alerts_matched(app: FastAPI) -> float:
    """The replica's count of alerts its notifier handled, from its ``/metrics``."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        text = (await client.get("/metrics")).text
    [line] = [x for x in text.splitlines() if x.startswith("tradeassist_notify_alerts_total ")]
    return float(line.split()[1])


def replica(settings: Settings, name: str) -> Settings:
    return settings.model_copy(update={"notifier_consumer": name})


async def test_two_replicas_text_each_alert_once(
    replica_settings: Settings, screener: Screener
) -> None:
    await screener.subscribers()
    symbols = [f"S{i:02d}" for i in range(8)]
    async with AsyncExitStack() as stack:
        apps = [create_app(replica(replica_settings, name)) for name in ("api-1", "api-2")]
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))

        for symbol in symbols:  # one alert at a time, so both replicas get work
            await screener.raise_alerts(symbol)
            await asyncio.sleep(0.02)
        texts = await screener.wait_for_texts(len(symbols) * len(USERS))
        matched = [await alerts_matched(app) for app in apps]

    expected = {(phone, symbol) for phone in USERS.values() for symbol in symbols}
    assert set(texts) == expected
    assert set(texts.values()) == {1}
    assert sum(matched) == len(symbols) and min(matched) > 0  # both did part of the work


async def test_alerts_published_while_no_replica_runs_are_texted_once_after_a_restart(
    replica_settings: Settings, screener: Screener
) -> None:
    await screener.subscribers()
    first = create_app(replica(replica_settings, "api-1"))
    async with first.router.lifespan_context(first):
        await screener.raise_alerts("AAA")
        before = await screener.wait_for_texts(len(USERS))

    await screener.raise_alerts("BBB", "CCC")  # nobody is listening
    again = create_app(replica(replica_settings, "api-1b"))
    async with again.router.lifespan_context(again):
        after = await screener.wait_for_texts(3 * len(USERS))

    assert set(before.elements()) == {(phone, "AAA") for phone in USERS.values()}
    assert set(after) == {(p, s) for p in USERS.values() for s in ("AAA", "BBB", "CCC")}
    assert set(after.values()) == {1}
