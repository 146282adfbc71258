"""Outbound webhooks: signed JSON, retries with backoff, every delivery recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import deque

import httpx
from notify_helpers import add_user, gap_alert
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.notify.channels.webhook import SIGNATURE_HEADER, WebhookChannel
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.core import NotifierCore
from tradeassist.notify.directory import load_index
from tradeassist.store.alerts import StoredAlert, insert_alerts, list_alerts
from tradeassist.store.subscriptions import add_subscription
from tradeassist.store.tables import WebhookDeliveryRow

SECRET = "whsec-0123456789abcdef"
URL = "https://hooks.example.com/tradeassist"


class Receiver:
    """A webhook receiver answering with scripted statuses; checks signatures as a user would."""

    def __init__(self, *statuses: int) -> None:
        self.script = deque(statuses)
        self.received: list[dict[str, object]] = []
        self.valid_signatures: list[bool] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        given = request.headers.get(SIGNATURE_HEADER, "")
        self.valid_signatures.append(hmac.compare_digest(expected, given))
        self.received.append(json.loads(body))
        return httpx.Response(self.script.popleft() if self.script else 200)


async def setup(sessions: async_sessionmaker[AsyncSession]) -> list[StoredAlert]:
    await add_user(sessions, "u1", None, verified=False, opted_in=False)
    async with sessions() as session, session.begin():
        await insert_alerts(session, alerts=[gap_alert(1), gap_alert(2, "TSLA")])
        await add_subscription(
            session,
            user_id="u1",
            values={
                "channels": ["webhook"],
                "symbols": ["AAPL"],
                "webhook_url": URL,
                "webhook_secret": SECRET,
            },
        )
    async with sessions() as session:
        return await list_alerts(session)


def channel_for(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver, sleeps: list[float]
) -> WebhookChannel:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return WebhookChannel(
        sessions=sessions,
        client=httpx.AsyncClient(transport=httpx.MockTransport(receiver)),
        config=NotifyConfig(webhook_max_attempts=4, webhook_backoff_seconds=0.5),
        sleep=sleep,
    )


async def deliveries(sessions: async_sessionmaker[AsyncSession]) -> list[WebhookDeliveryRow]:
    async with sessions() as session:
        return list((await session.scalars(select(WebhookDeliveryRow))).all())


async def test_a_matching_alert_is_posted_signed_and_recorded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alerts = await setup(sessions)
    receiver, sleeps = Receiver(), []
    channel = channel_for(sessions, receiver, sleeps)
    core = NotifierCore(channels=[channel], index=await load_index(sessions))

    for stored in alerts:
        await core.notify(stored)
    await channel.drain()

    assert receiver.valid_signatures == [True]
    [payload] = receiver.received
    assert payload["alert_id"] == alerts[0].id and payload["type"] == "alert"
    assert payload["alert"]["symbol"] == "AAPL"  # type: ignore[index]
    [row] = await deliveries(sessions)
    assert (row.status, row.attempts, row.alert_id) == ("delivered", 1, alerts[0].id)
    assert row.delivered_at is not None and row.user_id == "u1"


async def test_server_errors_are_retried_with_backoff_then_delivered(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alerts = await setup(sessions)
    receiver, sleeps = Receiver(503, 500), []
    channel = channel_for(sessions, receiver, sleeps)
    core = NotifierCore(channels=[channel], index=await load_index(sessions))

    await core.notify(alerts[0])
    await channel.drain()

    assert len(receiver.received) == 3 and sleeps == [0.5, 1.0]
    [row] = await deliveries(sessions)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 3, None)


async def test_a_refusal_is_final_and_an_alert_is_never_delivered_twice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alerts = await setup(sessions)
    receiver, sleeps = Receiver(410), []
    channel = channel_for(sessions, receiver, sleeps)
    core = NotifierCore(channels=[channel], index=await load_index(sessions))

    await core.notify(alerts[0])
    await channel.drain()
    await core.notify(alerts[0])  # a replay or a restart
    await channel.drain()

    assert len(receiver.received) == 1 and sleeps == []
    [row] = await deliveries(sessions)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 410")
