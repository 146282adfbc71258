"""Users see only their own subscriptions, trades and positions (RLS on PostgreSQL too)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import httpx
import pytest
from api_helpers import USER_A, USER_B, MakeClient, bearer
from fastapi import APIRouter, Depends
from sqlalchemy import select

from tradeassist.api.deps import get_user_session
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.tables import BarRow, TradeRow

A, B = bearer(USER_A), bearer(USER_B)


async def seed_trades(database_url: str) -> dict[str, int]:
    """One open trade for each user (and a bar to mark them), stored by the service."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            now = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
            rows = {
                user: TradeRow(
                    user_id=user,
                    symbol=symbol,
                    side="long",
                    quantity=100,
                    entry_price=10.0,
                    entry_time=now,
                    status="open",
                )
                for user, symbol in ((USER_A, "AAPL"), (USER_B, "TSLA"))
            }
            session.add_all(rows.values())
            session.add(
                BarRow(symbol="AAPL", start=now, bar={"o": 10, "h": 11, "l": 9, "c": 10.5, "v": 1})
            )
            await session.flush()
            return {user: row.id for user, row in rows.items()}
    finally:
        await engine.dispose()


async def test_a_user_cannot_read_or_change_another_users_subscription(
    client: httpx.AsyncClient,
) -> None:
    made = await client.post("/users/me/subscriptions", json={"symbols": ["nvda"]}, headers=A)
    sub_id = made.json()["id"]

    b_list = await client.get("/users/me/subscriptions", headers=B)
    b_read = await client.get(f"/users/me/subscriptions/{sub_id}", headers=B)
    b_patch = await client.patch(
        f"/users/me/subscriptions/{sub_id}", json={"enabled": False}, headers=B
    )
    b_delete = await client.delete(f"/users/me/subscriptions/{sub_id}", headers=B)
    a_read = await client.get(f"/users/me/subscriptions/{sub_id}", headers=A)

    assert made.status_code == 201
    assert made.json()["symbols"] == ["NVDA"]
    assert b_list.json() == {"data": [], "count": 0}
    assert (b_read.status_code, b_patch.status_code, b_delete.status_code) == (404, 404, 404)
    assert a_read.json()["enabled"] is True


async def test_subscriptions_are_created_changed_and_deleted(client: httpx.AsyncClient) -> None:
    made = await client.post(
        "/users/me/subscriptions",
        json={
            "name": "gaps",
            "alert_types": ["gap_up", "GAP_DOWN"],
            "min_pct_move": 5,
            "channels": ["sms", "webhook"],
            "webhook_url": "https://hooks.example.com/x",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
        headers=A,
    )
    sub_id = made.json()["id"]
    changed = await client.patch(
        f"/users/me/subscriptions/{sub_id}",
        json={"min_pct_move": None, "name": "all gaps"},
        headers=A,
    )
    deleted = await client.delete(f"/users/me/subscriptions/{sub_id}", headers=A)
    gone = await client.get(f"/users/me/subscriptions/{sub_id}", headers=A)

    assert made.json()["alert_types"] == ["gap_up", "gap_down"]
    assert made.json()["webhook_secret"]  # generated, shown once
    assert made.json()["has_webhook_secret"] is True
    assert changed.json()["min_pct_move"] is None
    assert changed.json()["name"] == "all gaps"
    assert changed.json()["channels"] == ["sms", "webhook"]
    assert deleted.status_code == 204
    assert gone.status_code == 404


async def test_trades_and_positions_are_the_callers_only(
    client: httpx.AsyncClient, database_url: str
) -> None:
    await client.get("/users/me", headers=A)
    await client.get("/users/me", headers=B)
    trade_ids = await seed_trades(database_url)

    a_trades = (await client.get("/trades", headers=A)).json()
    a_positions = (await client.get("/positions", headers=A)).json()
    a_reads_b = await client.get(f"/trades/{trade_ids[USER_B]}", headers=A)

    assert [t["id"] for t in a_trades["data"]] == [trade_ids[USER_A]]
    assert [p["symbol"] for p in a_positions["data"]] == ["AAPL"]
    assert a_positions["data"][0]["unrealized_pnl"] == pytest.approx(50.0)
    assert a_reads_b.status_code == 404


async def test_row_level_security_limits_the_request_session_itself(
    make_client: MakeClient, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("row-level security is PostgreSQL's; SQLite relies on the query filters")
    # A route that forgets to filter by user: the database must still hide others' rows.
    careless = APIRouter()

    @careless.get("/test/all-trades")
    async def all_trades(session: Annotated[object, Depends(get_user_session)]) -> list[str]:
        rows = await session.scalars(select(TradeRow))  # type: ignore[attr-defined]
        return sorted(row.user_id for row in rows)

    client = await make_client(extra_routers=(careless,))
    await client.get("/users/me", headers=A)
    await client.get("/users/me", headers=B)
    await seed_trades(database_url)

    seen_by_a = (await client.get("/test/all-trades", headers=A)).json()

    assert seen_by_a == [USER_A]
