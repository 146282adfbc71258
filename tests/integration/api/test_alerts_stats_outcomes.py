"""GET /alerts/stats: outcome stats per type from stored outcomes, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_helpers import USER_A, Clock, Insert, MakeClient, bearer, make_alert, ns_of

from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.outcomes import StoredOutcome, upsert_outcomes

AUTH = bearer(USER_A)
NOW = Clock(ns_of("2026-07-06T20:00:00+00:00"))


async def store_outcomes(database_url: str, outcomes: list[StoredOutcome]) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await upsert_outcomes(session, outcomes=outcomes)
    finally:
        await engine.dispose()


def graded(alert_id: int, ret_30m: float | None, pnl: float | None = None) -> StoredOutcome:
    returns = {"1m": 0.001, "5m": -0.002, "30m": ret_30m, "close": None}
    return StoredOutcome(alert_id, returns, mfe=0.03, mae=-0.01, trade_pnl=pnl)


async def stats(client: httpx.AsyncClient, **params: object) -> dict[str, Any]:
    response = await client.get("/alerts/stats", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_stats_report_outcomes_per_type_over_the_window_and_filters(
    make_client: MakeClient, insert: Insert, database_url: str
) -> None:
    client = await make_client(clock_ns=NOW)
    await insert(
        [
            make_alert("AAPL", "gap_up", "2026-07-06T13:30:00+00:00"),
            make_alert("TSLA", "gap_up", "2026-07-06T14:05:00+00:00"),
            make_alert("AAPL", "gap_up", "2026-07-06T15:00:00+00:00"),
            make_alert("AAPL", "vwap_loss", "2026-07-06T16:00:00+00:00", pct=None),
            make_alert("MSFT", "gap_up", "2026-07-07T13:30:00+00:00"),  # tomorrow: outside
            make_alert("NVDA", "gap_down", "2026-07-06T17:00:00+00:00"),  # never graded
        ]
    )
    page = (await client.get("/alerts", params={"order": "asc"}, headers=AUTH)).json()
    aapl_1, tsla, aapl_2, vwap, msft, _ = (a["id"] for a in page["data"])
    await store_outcomes(
        database_url,
        [
            graded(aapl_1, 0.02, pnl=150.0),
            graded(tsla, -0.01, pnl=-50.0),
            graded(aapl_2, None),  # horizon not passed yet: not graded at 30m
            graded(vwap, 0.005),
            graded(msft, 0.5, pnl=1000.0),
        ],
    )

    today = await stats(client)
    aapl = await stats(client, symbol="AAPL", alert_type="gap_up")

    assert today["outcomes"] == [
        {
            "alert_type": "gap_up",
            "graded": 2,
            "hits": 1,
            "hit_rate": 0.5,
            "mean_return": {
                "1m": pytest.approx(0.001),
                "5m": pytest.approx(-0.002),
                "30m": pytest.approx(0.005),
            },
            "mean_mfe": pytest.approx(0.03),
            "mean_mae": pytest.approx(-0.01),
            "trades": 2,
            "total_pnl": pytest.approx(100.0),
        },
        {
            "alert_type": "vwap_loss",
            "graded": 1,
            "hits": 1,
            "hit_rate": 1.0,
            "mean_return": {
                "1m": pytest.approx(0.001),
                "5m": pytest.approx(-0.002),
                "30m": pytest.approx(0.005),
            },
            "mean_mfe": pytest.approx(0.03),
            "mean_mae": pytest.approx(-0.01),
            "trades": 0,
            "total_pnl": 0.0,
        },
    ]
    assert [(o["alert_type"], o["graded"], o["hits"]) for o in aapl["outcomes"]] == [
        ("gap_up", 1, 1)
    ]
    assert aapl["outcomes"][0]["total_pnl"] == pytest.approx(150.0)


async def test_stats_without_graded_alerts_have_no_outcomes(
    make_client: MakeClient, insert: Insert
) -> None:
    client = await make_client(clock_ns=NOW)
    await insert([make_alert("AAPL", "gap_up", "2026-07-06T13:30:00+00:00")])

    body = await stats(client)

    assert body["total"] == 1
    assert body["outcomes"] == []
