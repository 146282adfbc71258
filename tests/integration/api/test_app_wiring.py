"""The notifier, SMS webhooks, live grading and readiness, wired into the app ``create_app`` builds.

Everything goes through the real app over HTTP (httpx on the ASGI app, its
lifespan running) on the real databases: texts leave through the official
``twilio`` client to a loopback server that answers as Twilio's Messages API,
or through the console outbox when Twilio is not configured.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import itertools
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from api_helpers import USER_A, USER_B, MakeClient, bearer, make_alert
from pydantic import SecretStr
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from tradeassist.api import create_app
from tradeassist.bus.memory import InProcessBus
from tradeassist.domain.alerts import Alert
from tradeassist.domain.bars import Bar
from tradeassist.feeds.databento.feed_types import FeedStatus
from tradeassist.market_calendar import EASTERN
from tradeassist.settings import Settings
from tradeassist.store.alerts import StoredAlert, insert_alerts, list_alerts
from tradeassist.store.bars import upsert_bars
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.subscriptions import add_subscription
from tradeassist.store.tables import SmsMessageRow, UserRow

ACCOUNT_SID = "AC" + "0" * 31 + "7"
AUTH_TOKEN = "wiring-test-auth-token-0123456789abcd"
FROM_NUMBER = "+15005550006"
PUBLIC_URL = "https://tradeassist.example.com"
PHONE = "+14155550123"
PHONE_B = "+14155550124"
NS = 1_000_000_000


# --- a loopback Twilio Messages API ------------------------------------------------------


@dataclass
class LoopbackTwilio:
    base_url: str = ""
    texts: list[dict[str, str]] = field(default_factory=list)
    _sids: Any = field(default_factory=lambda: itertools.count(1))

    async def messages(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        auth = base64.b64decode(request.headers["Authorization"].removeprefix("Basic ")).decode()
        assert auth == f"{ACCOUNT_SID}:{AUTH_TOKEN}"
        self.texts.append(form)
        sid = f"SM{next(self._sids):032x}"
        body = {"sid": sid, "status": "queued", "to": form["To"], "from": form["From"]}
        body |= {"body": form["Body"], "num_segments": "1", "account_sid": ACCOUNT_SID}
        return web.json_response(body, status=201)

    def bodies_to(self, phone: str) -> list[str]:
        return [t["Body"] for t in self.texts if t["To"] == phone]


@asynccontextmanager
async def loopback_twilio() -> AsyncIterator[LoopbackTwilio]:
    fake = LoopbackTwilio()
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", fake.messages)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


# --- helpers ------------------------------------------------------------------------------


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def with_twilio(settings: Settings, api_base: str, **more: Any) -> Settings:
    return settings.model_copy(
        update={
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_from_number": FROM_NUMBER,
            "twilio_api_base": api_base,
            "public_url": PUBLIC_URL,
            **more,
        }
    )


class Store:
    """The test's own connection to the app's database."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url)
        self.sessions = session_factory(self.engine)

    async def alerts(self, *alerts: Alert) -> list[StoredAlert]:
        async with self.sessions() as session, session.begin():
            await insert_alerts(session, alerts=list(alerts))
        async with self.sessions() as session:
            stored = await list_alerts(session, limit=1000)
        keys = {(a.symbol, a.level) for a in alerts}
        return [s for s in stored if (s.alert.symbol, s.alert.level) in keys]

    async def subscriber(self, user_id: str, phone: str, **filters: Any) -> None:
        """A user with a verified, opted-in phone and an SMS subscription."""
        verified = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        async with self.sessions() as session, session.begin():
            session.add(
                UserRow(id=user_id, phone=phone, phone_verified_at=verified, sms_opt_in=True)
            )
        async with self.sessions() as session, session.begin():
            await add_subscription(
                session, user_id=user_id, values={"channels": ["sms"], **filters}
            )

    async def alert_texts(self) -> list[tuple[str, str, str]]:
        """(to, body, status) of every alert text stored, oldest first."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(SmsMessageRow)
                .where(SmsMessageRow.direction == "out", SmsMessageRow.body.like("TradeAssist:%"))
                .order_by(SmsMessageRow.id)
            )
            return [(r.to_number, r.body, r.status) for r in rows]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    made = Store(database_url)
    yield made
    await made.engine.dispose()


def signed(path: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, params)
    return {"X-Twilio-Signature": str(signature)}


# --- the notifier in the app ----------------------------------------------------------------


async def test_a_verified_subscriber_is_texted_an_alert_published_on_the_bus(
    make_client: MakeClient, settings: Settings, store: Store
) -> None:
    async with loopback_twilio() as twilio:
        bus = InProcessBus()
        await bus.start()
        client = await make_client(with_twilio(settings, twilio.base_url), bus=bus)
        me = bearer(USER_A)

        # The phone is verified by a code texted through Twilio, then a subscription is made.
        sent = await client.post("/users/me/phone", json={"phone": PHONE}, headers=me)
        assert sent.status_code == 202 and sent.json()["phone"] == PHONE

        async def code_texted() -> bool:
            return bool(twilio.bodies_to(PHONE))

        await eventually(code_texted)
        code = re.search(r"\b(\d{6})\b", twilio.bodies_to(PHONE)[0])
        assert code is not None
        wrong = await client.post("/users/me/phone/verify", json={"code": "000000"}, headers=me)
        verified = await client.post(
            "/users/me/phone/verify", json={"code": code.group(1)}, headers=me
        )
        subscribed = await client.post(
            "/users/me/subscriptions",
            json={"channels": ["sms"], "symbols": ["AAPL"]},
            headers=me,
        )
        assert (await client.get("/users/me", headers=me)).json()["phone"] == PHONE

        # Act: the screener stores two alerts and publishes them on the bus.
        stored = await store.alerts(make_alert("AAPL", level="L1"), make_alert("MSFT", level="L2"))
        await bus.publish(stored)

        async def alert_texted() -> bool:
            return len(twilio.bodies_to(PHONE)) >= 2

        await eventually(alert_texted)
        await asyncio.sleep(0.3)  # nothing more comes
        await bus.close()

    assert wrong.status_code == 400
    assert verified.status_code == 200 and verified.json() == {"phone": PHONE, "verified": True}
    assert subscribed.status_code == 201
    [_code, alert_text] = twilio.bodies_to(PHONE)
    assert alert_text.startswith("TradeAssist: AAPL gap up +4.0% $101.25")
    assert [(to, status) for to, _, status in await store.alert_texts()] == [(PHONE, "queued")]


async def test_without_twilio_texts_go_to_the_console_outbox(
    make_client: MakeClient,
    settings: Settings,
    store: Store,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await store.subscriber(USER_A, PHONE, alert_types=["gap_up"])
    await make_client(settings)  # no bus given: it follows new alert rows in the database

    await store.alerts(make_alert("NVDA", level="C1"), make_alert("NVDA", "gap_down", level="C2"))

    async def texted() -> bool:
        return bool(await store.alert_texts())

    await eventually(texted)
    await asyncio.sleep(0.3)
    [(to, body, status)] = await store.alert_texts()
    assert to == PHONE and body.startswith("TradeAssist: NVDA gap up") and status == "delivered"
    assert f"[sms to {PHONE}] TradeAssist: NVDA gap up" in capsys.readouterr().out


async def test_a_restarted_notifier_texts_what_it_missed_once(
    settings: Settings, store: Store
) -> None:
    await store.subscriber(USER_A, PHONE)

    async def texts(count: int) -> list[str]:
        async def enough() -> bool:
            return len(await store.alert_texts()) >= count

        await eventually(enough)
        await asyncio.sleep(0.3)  # and no more
        return [body.split()[1] for _, body, _ in await store.alert_texts()]

    # Arrange: a notifier texts one alert, then stops.
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await store.alerts(make_alert("AAA", level="R1"))
        assert await texts(1) == ["AAA"]

    # Act: two alerts are stored while no notifier runs; then one starts again.
    await store.alerts(make_alert("BBB", level="R2"), make_alert("CCC", level="R3"))
    again = create_app(settings)
    async with again.router.lifespan_context(again):
        # Assert: what it missed is texted, once, and nothing before it again.
        assert await texts(3) == ["AAA", "BBB", "CCC"]


async def test_the_sms_webhook_is_served_and_checks_signatures(
    make_client: MakeClient, settings: Settings
) -> None:
    configured = await make_client(with_twilio(settings, "http://127.0.0.1:9"))
    unconfigured = await make_client(settings)
    params = {"MessageSid": "SM" + "1" * 32, "From": "+14155550999", "To": FROM_NUMBER}
    params |= {"Body": "status", "AccountSid": ACCOUNT_SID}

    genuine = await configured.post(
        "/sms/webhook", data=params, headers=signed("/sms/webhook", params)
    )
    forged = await configured.post(
        "/sms/webhook", data=params, headers=signed("/sms/webhook", params, token="not-the-token")
    )
    altered = await configured.post(
        "/sms/webhook",
        data=params | {"Body": "buy AAPL"},
        headers=signed("/sms/webhook", params),
    )
    receipt = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    status = await configured.post(
        "/sms/status", data=receipt, headers=signed("/sms/status", receipt)
    )
    missing = await unconfigured.post(
        "/sms/webhook", data=params, headers=signed("/sms/webhook", params)
    )

    assert genuine.status_code == 200
    assert genuine.headers["content-type"].startswith("application/xml")
    assert "not registered" in genuine.text  # an unknown number is denied
    assert forged.status_code == 403 and altered.status_code == 403
    assert status.status_code == 204
    assert missing.status_code == 503 and missing.json()["detail"] == "SMS is not configured"


async def test_without_the_notifier_there_are_no_sms_routes(
    make_client: MakeClient, settings: Settings
) -> None:
    client = await make_client(settings, notifier=False)

    webhook = await client.post("/sms/webhook", data={"Body": "hi"})
    phone = await client.post("/users/me/phone", json={"phone": PHONE}, headers=bearer(USER_B))

    assert webhook.status_code == 404 and phone.status_code in (404, 405)


# --- live grading ---------------------------------------------------------------------------

DAY = dt.date(2026, 3, 10)


def et(clock: str) -> int:
    hour, minute = (int(p) for p in clock.split(":"))
    moment = dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=EASTERN)
    return int(moment.timestamp()) * NS


async def test_live_alerts_are_graded_in_the_background(
    make_client: MakeClient, settings: Settings, store: Store
) -> None:
    # Arrange: a gap down at 10:00 that keeps falling, and its stored one-minute bars.
    await store.alerts(Alert("AAA", "gap_down", 50.0, et("10:00") + 20 * NS, DAY.isoformat(), "5"))
    closes = {"10:00": 49.95, "10:01": 49.90, "10:05": 49.75, "10:30": 49.50, "15:59": 48.50}
    bars = [
        Bar("AAA", et(t), c + 0.05, c + 0.1, c - 0.1, c, 1_000, 5, c) for t, c in closes.items()
    ]
    async with store.sessions() as session, session.begin():
        await upsert_bars(session, bars=bars)
    fast = settings.model_copy(update={"grade_interval_seconds": 0.1, "notifier": False})

    # Act: the app runs after the close; its grader finds the alert.
    client = await make_client(fast, clock_ns=lambda: et("16:30"))

    async def graded() -> bool:
        stats = (await client.get("/alerts/stats", headers=bearer(USER_A))).json()
        return bool(stats["outcomes"]) and stats["outcomes"][0]["graded"] == 1

    await eventually(graded)
    [outcome] = (await client.get("/alerts/stats", headers=bearer(USER_A))).json()["outcomes"]
    assert outcome["alert_type"] == "gap_down" and outcome["hits"] == 1
    assert outcome["mean_return"]["30m"] == pytest.approx(0.01, abs=1e-9)


async def test_grading_is_off_at_zero(make_client: MakeClient, settings: Settings) -> None:
    off = settings.model_copy(update={"grade_interval_seconds": 0})

    ready = (await (await make_client(off)).get("/health/ready")).json()

    assert ready["checks"]["background"]["detail"] == "notifier"


# --- readiness ---------------------------------------------------------------------------------


@dataclass
class Screener:
    """A screener in the app's process, as readiness sees it."""

    feed: FeedStatus
    lag: float | None = None

    def feed_lag_seconds(self) -> float | None:
        return self.lag

    def metrics(self) -> dict[str, float]:
        return {"records": 1.0}


async def test_ready_names_a_failing_feed_and_an_unreachable_temporal(
    make_client: MakeClient, settings: Settings
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{sock.getsockname()[1]}"
    now = time.monotonic()
    quiet = Screener(FeedStatus(state="streaming", connected=True, last_data_at=now), lag=600.0)
    broken = Screener(FeedStatus(state="backoff", last_error="connection refused"))
    silent = Screener(FeedStatus(state="streaming", last_data_at=now - 120), lag=120.0)
    temporal = settings.model_copy(update={"temporal_address": closed})

    ok = await (await make_client(settings, screener=quiet)).get("/health/ready")
    down = await (await make_client(settings, screener=broken)).get("/health/ready")
    stale = await (await make_client(settings, screener=silent)).get("/health/ready")
    no_temporal = await (await make_client(temporal)).get("/health/ready")

    # A quiet market (heartbeats, no trades for ten minutes) is ready.
    assert ok.status_code == 200 and ok.json()["checks"]["feed"]["ok"] is True
    assert down.status_code == 503 and down.json()["detail"] == "not ready: feed"
    assert down.json()["checks"]["feed"]["detail"] == "feed backoff: connection refused"
    assert stale.status_code == 503
    assert stale.json()["checks"]["feed"]["detail"].startswith("no data or heartbeat for 12")
    assert no_temporal.status_code == 503
    assert no_temporal.json()["detail"] == "not ready: temporal"
