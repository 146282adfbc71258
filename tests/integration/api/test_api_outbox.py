"""The SMS log: admins see every text (the console outbox without Twilio), users their own."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from api_helpers import ADMIN, USER_A, USER_B, bearer

from tradeassist.notify.texts import verification_text
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.sms import insert_inbound, record_outbound
from tradeassist.store.users import get_or_create_user

A, B, ROOT = bearer(USER_A), bearer(USER_B), bearer(ADMIN, admin=True)
PHONE_A = "+14155550123"
PHONE_B = "+14155550199"
SERVICE = "+15550000000"


async def seed_messages(database_url: str) -> None:
    """Texts of two users and of an unknown number, stored the way the notifier stores them."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for user, phone in ((USER_A, PHONE_A), (USER_B, PHONE_B)):
                await get_or_create_user(session, user_id=user, phone=phone)
            await insert_inbound(
                session, sid="SM-in-a", user_id=USER_A, from_number=PHONE_A,
                to_number=SERVICE, body="status",
            )  # fmt: skip
            await record_outbound(
                session, user_id=USER_A, from_number=SERVICE, to_number=PHONE_A,
                body="No open trades.", status="delivered", cost=0.0079, sid="CONSOLEa1",
            )  # fmt: skip
            await record_outbound(
                session, user_id=USER_B, from_number=SERVICE, to_number=PHONE_B,
                body="TradeAssist: NVDA gap up", status="capped", cost=0.0079,
            )  # fmt: skip
            await insert_inbound(
                session, sid="SM-in-unknown", user_id=None, from_number="+12025550100",
                to_number=SERVICE, body="hello?", status="denied",
            )  # fmt: skip
    finally:
        await engine.dispose()


def bodies(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [m["body"] for m in response.json()["data"]]


async def test_an_admin_sees_the_verification_code_the_console_outbox_wrote(
    client: httpx.AsyncClient,
) -> None:
    asked = await client.post("/users/me/phone", json={"phone": PHONE_A}, headers=A)

    listed = await client.get("/sms/messages", headers=ROOT)
    for _ in range(100):  # the queue sends (and stores the status) in the background
        if listed.json()["data"] and listed.json()["data"][0]["status"] == "delivered":
            break
        await asyncio.sleep(0.1)
        listed = await client.get("/sms/messages", headers=ROOT)

    assert asked.status_code == 202
    [message] = listed.json()["data"]
    assert message["direction"] == "out"
    assert message["user_id"] == USER_A
    assert message["to_number"] == "+1••••••0123"
    assert PHONE_A not in listed.text  # never the whole number
    assert message["console"] is True and message["status"] == "delivered"
    assert re.search(r"\b\d{6}\b", message["body"])


async def test_messages_are_filtered_and_paged_newest_first(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await seed_messages(database_url)

    everything = await client.get("/sms/messages", headers=ROOT)
    inbound = await client.get("/sms/messages", params={"direction": "in"}, headers=ROOT)
    capped = await client.get("/sms/messages", params={"status": "capped"}, headers=ROOT)
    of_b = await client.get("/sms/messages", params={"user_id": USER_B}, headers=ROOT)
    first = await client.get("/sms/messages", params={"limit": 3}, headers=ROOT)
    rest = await client.get(
        "/sms/messages", params={"limit": 3, "cursor": first.json()["next_cursor"]}, headers=ROOT
    )

    assert bodies(everything) == ["hello?", "TradeAssist: NVDA gap up", "No open trades.", "status"]
    assert bodies(inbound) == ["hello?", "status"]
    assert bodies(capped) == ["TradeAssist: NVDA gap up"]
    assert bodies(of_b) == ["TradeAssist: NVDA gap up"]
    assert bodies(first) + bodies(rest) == bodies(everything)
    assert rest.json()["next_cursor"] is None
    console = [m["console"] for m in everything.json()["data"]]
    assert console == [False, False, True, False]


async def test_a_code_sent_to_a_real_phone_is_hidden_from_whoever_asked_for_it(
    client: httpx.AsyncClient, database_url: str
) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        await get_or_create_user(session, user_id=USER_A, phone=PHONE_A)
        await record_outbound(
            session, user_id=USER_A, from_number=SERVICE, to_number=PHONE_B,
            body=verification_text("482913", 10), status="sent", cost=0.0079, sid="SMtwilio1",
        )  # fmt: skip
    await engine.dispose()

    mine = await client.get("/users/me/messages", headers=A)
    everything = await client.get("/sms/messages", headers=ROOT)

    assert "482913" not in mine.text and "482913" not in everything.text
    assert bodies(mine) == ["TradeAssist code: •••••• (valid 10 min). Reply STOP to opt out."]


async def test_users_see_only_their_own_texts(client: httpx.AsyncClient, database_url: str) -> None:
    await seed_messages(database_url)

    mine_a = await client.get("/users/me/messages", headers=A)
    mine_b = await client.get("/users/me/messages", headers=B)
    a_out = await client.get("/users/me/messages", params={"direction": "out"}, headers=A)

    assert bodies(mine_a) == ["No open trades.", "status"]
    assert bodies(mine_b) == ["TradeAssist: NVDA gap up"]
    assert bodies(a_out) == ["No open trades."]


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/sms/messages", {}, 401),
        ("/sms/messages", {"Authorization": "Bearer forged"}, 401),
        ("/sms/messages", A, 403),
        ("/users/me/messages", {}, 401),
    ],
)
async def test_the_log_needs_credentials_and_the_admin_view_an_admin(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], status: int
) -> None:
    response = await client.get(path, headers=headers)

    assert response.status_code == status
    assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"direction": "sideways"}, 422, None),
        ({"status": "DROP TABLE"}, 422, None),
        ({"limit": 0}, 422, None),
        ({"cursor": "not-a-cursor"}, 400, "cursor is not one this API issued"),
        ({"user_id": "x" * 40}, 422, None),
    ],
)
async def test_bad_queries_get_a_one_line_error(
    client: httpx.AsyncClient, params: dict[str, object], status: int, detail: str | None
) -> None:
    response = await client.get("/sms/messages", params=params, headers=ROOT)

    assert response.status_code == status
    body = response.json()
    assert "\n" not in body["detail"] and "Traceback" not in response.text
    if detail is not None:
        assert body["detail"] == detail
