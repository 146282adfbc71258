"""WS /ws/alerts and GET /sse/alerts against a real Uvicorn, on both databases."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from api_helpers import USER_A, Insert, make_alert, serve_app, token
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tradeassist.api import create_app
from tradeassist.api.state import StreamOptions
from tradeassist.settings import Settings
from tradeassist.store.alerts import insert_alerts
from tradeassist.store.database import create_engine, session_factory

TOKEN = token(USER_A)


async def next_alert(ws: ClientConnection, wait: float = 5.0) -> dict[str, Any]:
    """The next alert message, skipping heartbeats."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), wait))
        if message["type"] == "alert":
            return dict(message["data"])
        assert message["type"] == "heartbeat", message


async def test_a_client_resumes_after_a_disconnect_with_no_gap_and_no_duplicate(
    settings: Settings, insert: Insert
) -> None:
    app = create_app(settings, bus_poll_seconds=0.02)
    async with serve_app(app) as address:
        base = f"ws://{address}/ws/alerts?token={TOKEN}"
        await insert([make_alert(level=f"{i}") for i in range(3)])
        async with connect(f"{base}&after_id=0") as ws:
            seen = [await next_alert(ws) for _ in range(3)]  # replayed from the store
            await insert([make_alert(level="3")])
            await insert([make_alert(level="4")])
            seen += [await next_alert(ws) for _ in range(2)]  # live
        last_id = seen[-1]["id"]
        await insert([make_alert(level="5"), make_alert(level="6")])  # while away
        async with connect(f"{base}&after_id={last_id}") as ws:
            await insert([make_alert(level="7")])
            resumed = [await next_alert(ws) for _ in range(3)]
            with pytest.raises(TimeoutError):
                await next_alert(ws, wait=0.3)

    levels = [a["level"] for a in seen + resumed]
    ids = [a["id"] for a in seen + resumed]
    assert levels == [str(i) for i in range(8)]
    assert ids == sorted(set(ids))


async def test_an_alert_that_commits_late_still_arrives_and_in_order(
    settings: Settings, database_url: str
) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    app = create_app(settings, bus_poll_seconds=0.02)
    try:
        async with serve_app(app) as address:
            async with connect(f"ws://{address}/ws/alerts?token={TOKEN}&after_id=0") as ws:
                slow = sessions()
                await slow.begin()
                await insert_alerts(slow, alerts=[make_alert(level="slow")])  # not committed

                async def fast_writer() -> None:
                    async with sessions() as fast, fast.begin():
                        await insert_alerts(fast, alerts=[make_alert(level="fast")])

                fast = asyncio.create_task(fast_writer())
                await asyncio.sleep(0.3)
                with pytest.raises(TimeoutError):
                    await next_alert(ws, wait=0.1)
                await slow.commit()
                await slow.close()
                await fast
                first, second = await next_alert(ws), await next_alert(ws)
            async with connect(
                f"ws://{address}/ws/alerts?token={TOKEN}&after_id={first['id']}"
            ) as ws:
                resumed = await next_alert(ws)
    finally:
        await engine.dispose()

    assert [first["level"], second["level"]] == ["slow", "fast"]
    assert first["id"] < second["id"]
    assert resumed["id"] == second["id"]


async def test_each_client_gets_only_the_symbols_and_types_it_asked_for(
    settings: Settings, insert: Insert
) -> None:
    app = create_app(settings, bus_poll_seconds=0.02)
    async with serve_app(app) as address:
        base = f"ws://{address}/ws/alerts"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        async with (
            connect(f"{base}?symbol=TSLA", additional_headers=auth) as tsla,
            connect(f"{base}?alert_type=volume_spike", additional_headers=auth) as spikes,
        ):
            await asyncio.sleep(0.1)
            await insert(
                [
                    make_alert("AAPL", "gap_up"),
                    make_alert("TSLA", "gap_up"),
                    make_alert("NVDA", "volume_spike"),
                ]
            )
            got_tsla = await next_alert(tsla)
            got_spike = await next_alert(spikes)
            with pytest.raises(TimeoutError):
                await next_alert(tsla, wait=0.3)

    assert (got_tsla["symbol"], got_spike["symbol"]) == ("TSLA", "NVDA")


async def test_an_idle_websocket_gets_heartbeats(settings: Settings) -> None:
    app = create_app(settings, stream_options=StreamOptions(heartbeat_seconds=0.1))
    async with (
        serve_app(app) as address,
        connect(f"ws://{address}/ws/alerts?token={TOKEN}") as ws,
    ):
        messages = [json.loads(await asyncio.wait_for(ws.recv(), 2)) for _ in range(2)]

    assert messages == [{"type": "heartbeat"}, {"type": "heartbeat"}]


async def test_a_websocket_without_a_valid_token_is_refused_with_401(settings: Settings) -> None:
    app = create_app(settings)
    async with serve_app(app) as address:
        for suffix in ("", "?token=forged.token.here"):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"ws://{address}/ws/alerts{suffix}"):
                    pass
            assert refused.value.response.status_code == 401
            assert json.loads(refused.value.response.body or b"{}")["code"] == "unauthorized"


async def test_server_sent_events_resume_from_last_event_id(
    settings: Settings, insert: Insert
) -> None:
    app = create_app(settings, bus_poll_seconds=0.02)
    await insert([make_alert(level=f"{i}") for i in range(4)])
    async with serve_app(app) as address, httpx.AsyncClient(timeout=10) as http:
        listed = await http.get(
            f"http://{address}/alerts",
            params={"order": "asc", "limit": 1},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        first_id = listed.json()["data"][0]["id"]
        headers = {"Last-Event-ID": str(first_id + 1)}
        events: list[tuple[str, dict[str, Any]]] = []
        async with http.stream(
            "GET", f"http://{address}/sse/alerts?token={TOKEN}", headers=headers
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            event_id = ""
            async for line in stream.aiter_lines():
                if line.startswith("id: "):
                    event_id = line[4:]
                elif line.startswith("data: "):
                    events.append((event_id, json.loads(line[6:])))
                    if len(events) == 2:
                        await insert([make_alert(level="4")])
                    if len(events) == 3:
                        break

    assert [e[1]["level"] for e in events] == ["2", "3", "4"]
    assert [int(e[0]) for e in events] == [e[1]["id"] for e in events]


async def test_connected_stream_clients_are_counted_in_metrics(settings: Settings) -> None:
    app = create_app(settings)
    async with serve_app(app) as address, httpx.AsyncClient() as http:
        async with connect(f"ws://{address}/ws/alerts?token={TOKEN}"):
            await asyncio.sleep(0.1)
            during = (await http.get(f"http://{address}/metrics")).text
        await asyncio.sleep(0.2)
        after = (await http.get(f"http://{address}/metrics")).text

    assert 'tradeassist_api_stream_clients{transport="websocket"} 1.0' in during
    assert 'tradeassist_api_stream_clients{transport="websocket"} 0.0' in after
