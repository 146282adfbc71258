"""WS /ws/notifications and GET /sse/notifications: each user's own matches, live.

A real Uvicorn with the notifier running, subscriptions made through the API,
alerts published on the in-process bus the app was given (as ``tradeassist
run`` does), and the ``websockets`` client / httpx on the other end.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from api_helpers import USER_A, USER_B, bearer, make_alert, serve_app, token
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tradeassist.api import create_app
from tradeassist.api.state import StreamOptions
from tradeassist.bus.memory import InProcessBus
from tradeassist.settings import Settings
from tradeassist.store.alerts import StoredAlert

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def stored(alert_id: int, symbol: str, alert_type: str = "gap_up") -> StoredAlert:
    return StoredAlert(id=alert_id, alert=make_alert(symbol, alert_type), created_at=T0)


async def next_message(ws: ClientConnection, wait: float = 5.0) -> dict[str, Any]:
    """The next non-heartbeat message."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), wait))
        if message["type"] != "heartbeat":
            return dict(message)


@asynccontextmanager
async def running_app(
    settings: Settings, *, heartbeat_seconds: float = 15.0
) -> AsyncIterator[tuple[str, InProcessBus]]:
    """Uvicorn with the notifier on a bus of ours; yields ``host:port`` and the bus."""
    bus = InProcessBus()
    await bus.start()
    app = create_app(
        settings,
        bus=bus,
        notifier=True,
        stream_options=StreamOptions(heartbeat_seconds=heartbeat_seconds),
    )
    try:
        async with serve_app(app) as address:
            for _ in range(500):  # until the notifier follows the bus
                if bus.subscriber_count:
                    break
                await asyncio.sleep(0.01)
            yield address, bus
    finally:
        await bus.close()


async def subscribe(address: str, user_id: str, **values: Any) -> int:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        response = await http.post(
            "/users/me/subscriptions", json=values, headers=bearer(user_id), timeout=10
        )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_an_alert_reaches_only_the_user_whose_subscription_matched(
    settings: Settings,
) -> None:
    async with running_app(settings) as (address, bus):
        apple = await subscribe(
            address, USER_A, name="apple gaps", symbols=["AAPL"], channels=["websocket"]
        )
        tesla = await subscribe(
            address, USER_B, name="tesla", symbols=["TSLA"], channels=["websocket"]
        )
        base = f"ws://{address}/ws/notifications"
        async with (
            connect(f"{base}?token={token(USER_A)}") as ws_a,
            connect(base, additional_headers=bearer(USER_B)) as ws_b,
        ):
            await bus.publish([stored(1, "AAPL")])
            got_a = await next_message(ws_a)
            await bus.publish([stored(2, "TSLA")])
            got_b = await next_message(ws_b)
            await bus.publish([stored(3, "NVDA")])  # nobody's
            with pytest.raises(TimeoutError):
                await next_message(ws_a, wait=0.5)
            with pytest.raises(TimeoutError):
                await next_message(ws_b, wait=0.1)

    assert got_a["type"] == "alert" and got_a["alert_id"] == 1
    assert got_a["alert"]["symbol"] == "AAPL"
    assert got_a["subscriptions"] == [{"id": apple, "name": "apple gaps"}]
    assert got_b["alert_id"] == 2 and got_b["alert"]["symbol"] == "TSLA"
    assert got_b["subscriptions"] == [{"id": tesla, "name": "tesla"}]


async def test_a_subscription_without_the_websocket_channel_pushes_nothing(
    settings: Settings,
) -> None:
    async with running_app(settings) as (address, bus):
        await subscribe(address, USER_A, symbols=["AAPL"], channels=["sms"])
        async with connect(f"ws://{address}/ws/notifications?token={token(USER_A)}") as ws:
            await bus.publish([stored(1, "AAPL")])
            with pytest.raises(TimeoutError):
                await next_message(ws, wait=0.5)


async def test_an_idle_notifications_socket_gets_heartbeats(settings: Settings) -> None:
    async with (
        running_app(settings, heartbeat_seconds=0.1) as (address, _bus),
        connect(f"ws://{address}/ws/notifications?token={token(USER_A)}") as ws,
    ):
        first = json.loads(await asyncio.wait_for(ws.recv(), 5))

    assert first == {"type": "heartbeat"}


@pytest.mark.parametrize("query", ["", "?token=not-a-jwt"])
async def test_a_notifications_socket_without_a_valid_token_is_refused_with_401(
    settings: Settings, query: str
) -> None:
    async with running_app(settings) as (address, _bus):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"ws://{address}/ws/notifications{query}"):
                pass

    assert refused.value.response.status_code == 401
    assert b"unauthorized" in refused.value.response.body


async def test_notifications_are_refused_with_503_when_the_notifier_is_off(
    settings: Settings,
) -> None:
    app = create_app(settings, notifier=False)
    async with serve_app(app) as address:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"ws://{address}/ws/notifications?token={token(USER_A)}"):
                pass

    assert refused.value.response.status_code == 503


async def test_server_sent_notifications_carry_the_users_matches_only(
    settings: Settings,
) -> None:
    async with running_app(settings) as (address, bus):
        apple = await subscribe(address, USER_A, name="apple", symbols=["AAPL"])
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
            refused = await http.get("/sse/notifications")
            async with http.stream(
                "GET", "/sse/notifications", params={"token": token(USER_A)}
            ) as response:
                lines = response.aiter_lines()
                assert await anext(lines) == "retry: 2000"  # connected: the hub has us
                await bus.publish([stored(1, "TSLA"), stored(2, "AAPL")])
                data = ""
                while not data:
                    line = await asyncio.wait_for(anext(lines), 5)
                    if line.startswith("data: "):
                        data = line.removeprefix("data: ")

    assert refused.status_code == 401
    assert response.headers["content-type"].startswith("text/event-stream")
    event = json.loads(data)
    assert event["alert_id"] == 2 and event["subscriptions"] == [{"id": apple, "name": "apple"}]
