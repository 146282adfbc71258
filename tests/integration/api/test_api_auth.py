"""Credentials: bearer JWTs exactly as the contract says, API keys, admins, rate limits."""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt
import pytest
from api_helpers import ADMIN, SECRET, USER_A, USER_B, MakeClient, bearer
from sqlalchemy import event

from tradeassist.api.ratelimit import RateLimit
from tradeassist.settings import Settings
from tradeassist.store.database import create_engine


def forged(**claims: object) -> dict[str, str]:
    now = int(time.time())
    body: dict[str, object] = {"sub": USER_A, "aud": "authenticated", "exp": now + 600}
    body.update(claims)
    key = str(body.pop("key", SECRET))
    return {"Authorization": "Bearer " + jwt.encode(body, key, algorithm="HS256")}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        forged(exp=int(time.time()) - 120),
        forged(key="a-different-secret-that-nobody-should-accept"),
        forged(aud="anon"),
        {"Authorization": "Bearer not.a.token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "ta_000000000000_" + "x" * 43},
    ],
    ids=["none", "expired", "forged", "wrong-audience", "garbage", "basic", "unknown-key"],
)
async def test_missing_or_bad_credentials_get_401_json(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for path in ("/alerts", "/users/me", "/trades"):
        response = await client.get(path, headers=headers)

        assert response.status_code == 401, path
        body = response.json()
        assert body["code"] == "unauthorized"
        assert body["detail"]
        assert "Traceback" not in response.text


async def test_users_me_returns_exactly_the_contract_fields(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/users/me", headers=bearer(USER_A, email="ann@example.com", phone="+15551230001")
    )

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"id", "phone", "email", "role", "created_at"}
    assert body["id"] == USER_A
    assert body["email"] == "ann@example.com"
    assert body["phone"] == "+15551230001"
    assert body["role"] == "user"
    assert body["created_at"].endswith("Z")


async def test_public_alerts_need_no_token_but_profiles_still_do(
    make_client: MakeClient, settings: Settings
) -> None:
    client = await make_client(settings.model_copy(update={"public_alerts": True}))

    assert (await client.get("/alerts")).status_code == 200
    assert (await client.get("/alerts/stats")).status_code == 200
    assert (await client.get("/users/me")).status_code == 401


async def test_only_admins_reach_admin_routes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/admin/users", headers=bearer(USER_A))).status_code == 403
    assert (await client.get("/admin/users", headers=bearer(ADMIN, admin=True))).status_code == 200


async def test_an_admin_issues_an_api_key_that_works_until_revoked(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/users/me", headers=bearer(USER_A))  # first sight creates the user
    admin = bearer(ADMIN, admin=True)
    issued = await client.post(
        "/admin/api-keys", json={"user_id": USER_A, "name": "bot"}, headers=admin
    )
    key = issued.json()["key"]
    listed = (await client.get("/admin/api-keys", headers=admin)).json()

    me = await client.get("/users/me", headers={"X-API-Key": key})
    revoked = await client.delete(f"/admin/api-keys/{issued.json()['id']}", headers=admin)
    after = await client.get("/users/me", headers={"X-API-Key": key})

    assert issued.status_code == 201
    assert key.startswith("ta_")
    assert all("key" not in item for item in listed["data"])  # shown once, never again
    assert me.status_code == 200
    assert me.json()["id"] == USER_A
    assert revoked.status_code == 204
    assert after.status_code == 401


async def test_an_invited_user_gets_a_working_token(client: httpx.AsyncClient) -> None:
    invited = await client.post(
        "/admin/users",
        json={"email": "bob@example.com", "role": "user"},
        headers=bearer(ADMIN, admin=True),
    )
    token = invited.json()["token"]

    me = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})

    assert invited.status_code == 201
    assert me.json()["email"] == "bob@example.com"
    assert me.json()["id"] == invited.json()["user"]["id"]


async def test_a_client_over_its_rate_limit_gets_429_with_retry_after(
    make_client: MakeClient,
) -> None:
    client = await make_client(rate_limit=RateLimit(per_minute=6, burst=3))
    headers = bearer(USER_A)

    statuses = [(await client.get("/alerts", headers=headers)).status_code for _ in range(4)]
    other_user = await client.get("/alerts", headers=bearer(ADMIN))
    limited = await client.get("/alerts", headers=headers)

    assert statuses == [200, 200, 200, 429]
    assert other_user.status_code == 200  # buckets are per client
    assert limited.headers["Retry-After"] == "10"
    assert limited.json()["code"] == "rate_limited"


async def test_failed_logins_are_rate_limited_by_address(make_client: MakeClient) -> None:
    client = await make_client(rate_limit=RateLimit(per_minute=6, burst=2))

    statuses = [
        (await client.get("/alerts", headers=forged(aud="anon"))).status_code for _ in range(3)
    ]

    assert statuses == [401, 401, 429]


async def test_an_embedded_install_accepts_its_own_admin_token(
    make_client: MakeClient, settings: Settings
) -> None:
    from tradeassist.api import ensure_admin_token

    embedded = settings.model_copy(update={"supabase_jwt_secret": None})
    admin_token = ensure_admin_token(embedded)
    client = await make_client(embedded)

    me = await client.get("/users/me", headers={"Authorization": f"Bearer {admin_token}"})
    supabase_style = await client.get("/users/me", headers=bearer(USER_A))

    assert admin_token is not None
    assert me.json()["role"] == "admin"
    assert supabase_style.status_code == 401  # signed with another secret


async def test_a_new_users_first_burst_of_requests_records_the_user_once(
    make_client: MakeClient, database_url: str
) -> None:
    engine = create_engine(database_url)
    user_statements: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "users.id" in statement or "INTO users" in statement:
            user_statements.append(statement)

    client = await make_client(engine=engine)
    try:
        responses = await asyncio.gather(
            *(client.get("/alerts", headers=bearer(USER_B)) for _ in range(20))
        )

        assert [r.status_code for r in responses] == [200] * 20
        # One look-up, one insert, one read back: not one race per request.
        assert len(user_statements) <= 3
    finally:
        await engine.dispose()
