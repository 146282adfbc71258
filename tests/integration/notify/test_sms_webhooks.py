"""Twilio's webhooks, signed with the twilio library's own RequestValidator.

A valid request is accepted once even when delivered twice; a forged or
altered one gets 403; without an auth token, 503. STOP, START and HELP
behave as carriers require, and unknown numbers are denied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI
from notify_helpers import (
    PUBLIC_URL,
    T0,
    MakeServices,
    add_user,
    gap_alert,
    inbound_params,
    signed,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.bus.memory import InProcessBus
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.model import AlertRef
from tradeassist.notify.service import NotifyServices
from tradeassist.store.alerts import StoredAlert
from tradeassist.store.subscriptions import add_subscription
from tradeassist.store.tables import AuditLogRow, SmsMessageRow, UserRow

PHONE = "+14155550100"
STRANGER = "+19998887777"
WEBHOOK = PUBLIC_URL + "/sms/webhook"
STATUS = PUBLIC_URL + "/sms/status"

Post = Callable[..., Awaitable[httpx.Response]]


def poster(client: httpx.AsyncClient) -> Post:
    async def post(
        path: str, params: dict[str, str], signature: str | None = None
    ) -> httpx.Response:
        good = signed(PUBLIC_URL + path, params)
        headers = {"X-Twilio-Signature": good if signature is None else signature}
        return await client.post(path, data=params, headers=headers)

    return post


async def messages(sessions: async_sessionmaker[AsyncSession]) -> list[SmsMessageRow]:
    async with sessions() as session:
        return list((await session.scalars(select(SmsMessageRow).order_by(SmsMessageRow.id))).all())


async def test_a_signed_text_is_answered_once_even_when_delivered_twice(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "u1", PHONE)
    post = poster(client)
    params = inbound_params("SM" + "a" * 32, PHONE, "status")

    first = await post("/sms/webhook", params)
    again = await post("/sms/webhook", params)

    assert first.status_code == 200 and first.headers["content-type"].startswith("application/xml")
    assert "<Message>No open positions" in first.text
    assert again.status_code == 200
    assert again.text.endswith("<Response />")
    inbound = [m for m in await messages(sessions) if m.direction == "in"]
    replies = [m for m in await messages(sessions) if m.direction == "out"]
    assert len(inbound) == 1 and inbound[0].user_id == "u1" and inbound[0].body == "status"
    assert len(replies) == 1 and replies[0].to_number == PHONE


async def test_forged_or_altered_requests_are_refused(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "u1", PHONE)
    post = poster(client)
    params = inbound_params("SM" + "b" * 32, PHONE, "close all")
    good = signed(WEBHOOK, params)

    forged = await post("/sms/webhook", params, signature=signed(WEBHOOK, params, "wrong-token"))
    altered = await post("/sms/webhook", {**params, "Body": "buy GME at 1"}, signature=good)
    elsewhere = await post("/sms/webhook", params, signature=signed(STATUS, params))
    unsigned = await client.post("/sms/webhook", data=params)

    for response in (forged, altered, elsewhere, unsigned):
        assert response.status_code == 403
        assert response.json() == {"detail": "invalid Twilio signature"}
    assert await messages(sessions) == []


async def test_without_an_auth_token_sms_is_not_configured(
    make_services: MakeServices,
) -> None:
    app = FastAPI()
    app.include_router(make_services(token=None).router())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for path in ("/sms/webhook", "/sms/status"):
            response = await http.post(path, data={"MessageSid": "SM1"})
            assert response.status_code == 503
            assert response.json() == {"detail": "SMS is not configured"}


async def test_unknown_numbers_are_denied_and_stored(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    post = poster(client)

    params = inbound_params("SM" + "c" * 32, STRANGER, "buy AAPL")

    response = await post("/sms/webhook", params)

    assert "not registered" in response.text
    stored = [(m.direction, m.user_id, m.to_number, m.body) for m in await messages(sessions)]
    assert stored[0] == ("in", None, "+15005550006", "buy AAPL")
    assert stored[1][:3] == ("out", None, STRANGER)


async def test_help_is_answered_as_carriers_require(client: httpx.AsyncClient) -> None:
    params = inbound_params("SM" + "d" * 32, STRANGER, "HELP")

    response = await poster(client)("/sms/webhook", params)

    assert "Reply STOP to unsubscribe" in response.text and "rates may apply" in response.text


async def alert_texts(services: NotifyServices, console: ConsoleTransport, n: int) -> list[str]:
    before = len(console.sent)
    await services.core.notify(AlertRef(gap_alert(n)), at=T0)
    await services.sender.run_once()
    return [body for _, body in console.sent[before:]]


async def test_stop_then_any_alert_sends_nothing_and_start_resumes(
    client: httpx.AsyncClient,
    services: NotifyServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
) -> None:
    await add_user(sessions, "u1", PHONE)
    async with sessions() as session, session.begin():
        await add_subscription(session, user_id="u1", values={"channels": ["sms"]})
    await services.reload()
    post = poster(client)
    assert len(await alert_texts(services, console, 1)) == 1

    stop = await post("/sms/webhook", inbound_params("SM" + "e" * 32, PHONE, "STOP"))

    assert "unsubscribed" in stop.text
    assert await alert_texts(services, console, 2) == []
    after_stop = await post("/sms/webhook", inbound_params("SM" + "f" * 32, PHONE, "status"))
    assert after_stop.text.endswith("<Response />")  # nothing is answered after a STOP

    start = await post("/sms/webhook", inbound_params("SM" + "1" * 32, PHONE, "start"))

    assert "subscribed to alert texts again" in start.text
    assert len(await alert_texts(services, console, 3)) == 1
    async with sessions() as session:
        user = await session.get(UserRow, "u1")
        actions = (await session.scalars(select(AuditLogRow.action).order_by(AuditLogRow.id))).all()
    assert user is not None and user.sms_opt_in and user.sms_opted_out_at is None
    assert [a for a in actions if a.startswith("sms_opt")] == ["sms_opt_out", "sms_opt_in"]


async def test_yes_after_a_stop_opts_back_in(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "u1", PHONE)
    post = poster(client)
    await post("/sms/webhook", inbound_params("SM" + "2" * 32, PHONE, "cancel"))

    response = await post("/sms/webhook", inbound_params("SM" + "3" * 32, PHONE, "YES"))

    assert "subscribed to alert texts again" in response.text


async def test_delivery_receipts_update_the_status_and_the_delivery_rate(
    client: httpx.AsyncClient, services: NotifyServices, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        for sid in ("SM01", "SM02"):
            session.add(
                SmsMessageRow(
                    direction="out",
                    from_number="+15005550006",
                    to_number=PHONE,
                    body="x",
                    twilio_sid=sid,
                    status="queued",
                )
            )
    post = poster(client)

    receipts = [("SM01", "sent"), ("SM01", "delivered"), ("SM01", "sent"), ("SM02", "undelivered")]
    for sid, status in receipts:
        code = "30003" if status == "undelivered" else ""
        params = {"MessageSid": sid, "MessageStatus": status, "ErrorCode": code}
        assert (await post("/sms/status", params)).status_code == 204
    await post("/sms/status", {"MessageSid": "SM02", "MessageStatus": "undelivered"})  # again

    stored = {m.twilio_sid: (m.status, m.error_code) for m in await messages(sessions)}
    assert stored == {"SM01": ("delivered", None), "SM02": ("undelivered", "30003")}
    registry = services.metrics.registry
    assert registry.get_sample_value("tradeassist_sms_delivery_rate") == 0.5
    undelivered = {"status": "undelivered"}
    assert registry.get_sample_value("tradeassist_sms_receipts_total", undelivered) == 1


async def test_a_forged_receipt_changes_nothing(client: httpx.AsyncClient) -> None:
    params = {"MessageSid": "SM01", "MessageStatus": "delivered"}

    response = await poster(client)("/sms/status", params, signature=signed(WEBHOOK, params))

    assert response.status_code == 403


async def test_the_running_notifier_texts_alerts_from_the_bus(
    services: NotifyServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
) -> None:
    await add_user(sessions, "u1", PHONE)
    async with sessions() as session, session.begin():
        await add_subscription(session, user_id="u1", values={"channels": ["sms", "websocket"]})
    bus = InProcessBus()
    await bus.start()
    stop = asyncio.Event()
    running = asyncio.create_task(services.run(stop, bus))
    async with services.hub.connect("u1") as inbox:
        for _ in range(500):  # until the notifier has subscribed
            if bus.subscriber_count:
                break
            await asyncio.sleep(0.01)

        await bus.publish([StoredAlert(id=41, alert=gap_alert(41), created_at=T0)])

        pushed = await asyncio.wait_for(inbox.get(), timeout=5)
        for _ in range(200):
            if console.sent:
                break
            await asyncio.sleep(0.02)
    stop.set()
    await bus.close()
    await asyncio.wait_for(running, timeout=10)

    assert pushed["alert_id"] == 41 and pushed["alert"]["symbol"] == "AAPL"
    [(to, body)] = console.sent
    assert to == PHONE and body.startswith("TradeAssist: AAPL gap up +4.2% $100.00")
