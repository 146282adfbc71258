"""GET /alerts, /alerts/today, /alerts/stats and /alerts/{id} on both databases."""

from __future__ import annotations

import asyncio

import httpx
from api_helpers import USER_A, Clock, Insert, MakeClient, bearer, make_alert, ns_of

AUTH = bearer(USER_A)


async def ids(client: httpx.AsyncClient, path: str, **params: object) -> list[int]:
    response = await client.get(path, params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return [alert["id"] for alert in response.json()["data"]]


async def test_an_alert_reads_back_in_the_alert_model_shape(
    client: httpx.AsyncClient, insert: Insert
) -> None:
    await insert([make_alert("NVDA", "gap_up", "2026-03-10T13:30:00.123456+00:00", pct=5.5)])

    page = (await client.get("/alerts", headers=AUTH)).json()
    one = (await client.get(f"/alerts/{page['data'][0]['id']}", headers=AUTH)).json()

    assert page["count"] == 1
    assert page["next_cursor"] is None
    assert one == page["data"][0]
    assert one["symbol"] == "NVDA"
    assert one["trigger_time"] == "2026-03-10T13:30:00.123456000Z"
    assert one["trading_day"] == "2026-03-10"
    assert one["pct_move"] == 5.5
    assert one["metadata"] == {"bid": 101.2, "ask": 101.3, "spread": 0.1}


async def test_a_cached_page_gives_way_to_a_new_alert_as_soon_as_the_bus_has_it(
    make_client: MakeClient, insert: Insert
) -> None:
    client = await make_client(bus_poll_seconds=0.01)
    await insert([make_alert(level="1")])
    await asyncio.sleep(0.1)  # the bus has delivered it: pages are cached from here
    before = await ids(client, "/alerts")
    again = await ids(client, "/alerts")

    await insert([make_alert(level="2")])
    for _ in range(100):
        after = await ids(client, "/alerts")
        if len(after) == 2:
            break
        await asyncio.sleep(0.02)

    assert before == again
    assert len(after) == 2


async def test_filters_by_symbol_type_window_and_move(
    client: httpx.AsyncClient, insert: Insert
) -> None:
    await insert(
        [
            make_alert("AAPL", "gap_up", "2026-03-10T13:00:00+00:00", pct=3.2),  # 1
            make_alert("AAPL", "gap_down", "2026-03-10T14:00:00+00:00", pct=-7.5),  # 2
            make_alert("TSLA", "gap_up", "2026-03-10T15:00:00+00:00", pct=12.0),  # 3
            make_alert("TSLA", "volume_spike", "2026-03-10T16:00:00+00:00", pct=None),  # 4
        ]
    )
    all_ids = sorted(await ids(client, "/alerts"))
    first = all_ids[0]

    def rel(found: list[int]) -> list[int]:
        return sorted(i - first + 1 for i in found)

    assert rel(await ids(client, "/alerts", symbol="aapl")) == [1, 2]
    assert rel(await ids(client, "/alerts", symbol="AAPL,TSLA", alert_type="gap_up")) == [1, 3]
    assert rel(await ids(client, "/alerts", alert_type="gap_up,volume_spike")) == [1, 3, 4]
    assert rel(await ids(client, "/alerts", min_pct=5)) == [2, 3]  # |-7.5| counts
    assert rel(
        await ids(client, "/alerts", since="2026-03-10T14:00:00Z", until="2026-03-10T16:00:00Z")
    ) == [2, 3]  # since inclusive, until exclusive
    assert await ids(client, "/alerts", symbol="MSFT") == []


async def test_pages_newest_first_and_oldest_first_cover_everything_once(
    client: httpx.AsyncClient, insert: Insert
) -> None:
    await insert([make_alert(level=str(i)) for i in range(25)])

    for order in ("desc", "asc"):
        seen: list[int] = []
        cursor = None
        sizes = []
        while True:
            params: dict[str, object] = {"limit": 10, "order": order}
            if cursor:
                params["cursor"] = cursor
            body = (await client.get("/alerts", params=params, headers=AUTH)).json()
            seen += [a["id"] for a in body["data"]]
            sizes.append(body["count"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert sizes == [10, 10, 5]
        assert seen == sorted(seen, reverse=order == "desc")
        assert len(set(seen)) == 25


async def test_paging_while_alerts_arrive_skips_and_doubles_nothing(
    client: httpx.AsyncClient, insert: Insert
) -> None:
    await insert([make_alert(level=f"old-{i}") for i in range(30)])
    before = set(await ids(client, "/alerts", limit=1000))
    arriving = asyncio.Event()

    async def screener() -> None:
        for i in range(30):
            await insert([make_alert(level=f"new-{i}")])
            arriving.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(screener())
    await arriving.wait()
    newest_first: list[int] = []
    oldest_first: list[int] = []
    cursors: dict[str, str | None] = {"desc": None, "asc": None}
    done = {"desc": False, "asc": False}
    while not all(done.values()):
        for order, out in (("desc", newest_first), ("asc", oldest_first)):
            if done[order]:
                continue
            params: dict[str, object] = {"limit": 7, "order": order}
            if cursors[order]:
                params["cursor"] = cursors[order]
            body = (await client.get("/alerts", params=params, headers=AUTH)).json()
            out += [a["id"] for a in body["data"]]
            cursors[order] = body["next_cursor"]
            done[order] = body["next_cursor"] is None
            await asyncio.sleep(0)
    await writer

    # Newest first from a moving top: everything that existed, nothing twice.
    assert len(newest_first) == len(set(newest_first))
    assert before <= set(newest_first)
    # Oldest first: strictly increasing ids, none missing below the last one read.
    assert oldest_first == sorted(set(oldest_first))
    everything = await ids(client, "/alerts", limit=1000, order="asc")
    assert oldest_first == [i for i in everything if i <= oldest_first[-1]]


async def test_today_is_the_eastern_day_across_the_spring_dst_change(
    make_client: MakeClient, insert: Insert
) -> None:
    # Monday 2026-03-09, the day after clocks went forward: Eastern midnight is 04:00 UTC.
    client = await make_client(clock_ns=Clock(ns_of("2026-03-09T16:00:00+00:00")))
    await insert(
        [
            make_alert("SUN", at="2026-03-09T03:59:00+00:00"),  # Sunday 23:59 EDT
            make_alert("MON1", at="2026-03-09T04:30:00+00:00"),  # Monday 00:30 EDT
            make_alert("MON2", at="2026-03-10T03:59:00+00:00"),  # Monday 23:59 EDT
            make_alert("TUE", at="2026-03-10T04:00:00+00:00"),  # Tuesday 00:00 EDT
        ]
    )

    body = (await client.get("/alerts/today", headers=AUTH)).json()

    assert body["trading_day"] == "2026-03-09"
    assert sorted(a["symbol"] for a in body["data"]) == ["MON1", "MON2"]


async def test_stats_count_by_type_eastern_hour_and_symbol(
    make_client: MakeClient, insert: Insert
) -> None:
    client = await make_client(clock_ns=Clock(ns_of("2026-07-06T20:00:00+00:00")))
    await insert(
        [
            make_alert("AAPL", "gap_up", "2026-07-06T13:30:00+00:00"),  # 09:30 EDT
            make_alert("AAPL", "new_high_of_day", "2026-07-06T13:59:00+00:00"),  # 09:59
            make_alert("TSLA", "gap_up", "2026-07-06T14:05:00+00:00"),  # 10:05
            make_alert("AAPL", "gap_up", "2026-07-06T19:59:00+00:00"),  # 15:59
            make_alert("MSFT", "gap_up", "2026-07-07T13:30:00+00:00"),  # tomorrow: outside
        ]
    )

    today = (await client.get("/alerts/stats", headers=AUTH)).json()
    winter = (
        await client.get(
            "/alerts/stats",
            params={"since": "2026-07-06T00:00:00Z", "until": "2026-07-08T00:00:00Z", "top": 1},
            headers=AUTH,
        )
    ).json()

    assert today["total"] == 4
    assert today["by_type"] == [
        {"alert_type": "gap_up", "count": 3},
        {"alert_type": "new_high_of_day", "count": 1},
    ]
    assert today["by_hour"] == [
        {"hour": 9, "count": 2},
        {"hour": 10, "count": 1},
        {"hour": 15, "count": 1},
    ]
    assert today["top_symbols"][0] == {"symbol": "AAPL", "count": 3}
    assert today["outcomes"] == []
    assert winter["total"] == 5
    assert winter["top_symbols"] == [{"symbol": "AAPL", "count": 3}]


async def test_bad_requests_get_a_clear_json_error(client: httpx.AsyncClient) -> None:
    missing = await client.get("/alerts/999999", headers=AUTH)
    bad_limit = await client.get("/alerts", params={"limit": 0}, headers=AUTH)
    bad_cursor = await client.get("/alerts", params={"cursor": "nonsense"}, headers=AUTH)
    bad_symbol = await client.get("/alerts", params={"symbol": "A$PL"}, headers=AUTH)

    assert missing.status_code == 404
    assert missing.json() == {"detail": "no alert with id 999999", "code": "not_found"}
    assert bad_limit.status_code == 422
    assert "limit" in bad_limit.json()["detail"]
    assert bad_cursor.status_code == 400
    assert "cursor" in bad_cursor.json()["detail"]
    assert bad_symbol.status_code == 422
