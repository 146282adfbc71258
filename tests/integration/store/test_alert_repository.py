"""Storing and reading alerts on both databases: idempotent, commit-ordered, filterable."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tradeassist.domain.alerts import Alert, parse_ns
from tradeassist.store.alerts import (
    get_alert,
    insert_alerts,
    latest_alert_id,
    list_alerts,
    store_alerts,
)

OPEN_NS = parse_ns("2026-03-10T14:30:00Z")  # 09:30 ET
MINUTE_NS = 60_000_000_000

Sessions = async_sessionmaker[AsyncSession]


def make_alert(
    symbol: str = "AAPL",
    alert_type: str = "gap_up",
    *,
    minute: int = 0,
    level: str | None = None,
    pct: float | None = 3.4,
    extra_ns: int = 0,
) -> Alert:
    conditions: dict[str, Any] = {"previous_close": 100.0}
    if pct is not None:
        conditions["pct_move"] = pct
    return Alert(
        symbol=symbol,
        alert_type=alert_type,
        trigger_price=103.4,
        trigger_time_ns=OPEN_NS + minute * MINUTE_NS + extra_ns,
        trading_day="2026-03-10",
        level=level if level is not None else f"{minute:04d}",
        conditions=conditions,
        metadata={"bid": 103.39, "ask": 103.41, "spread": 0.02},
    )


async def _insert(sessions: Sessions, alerts: list[Alert]) -> int:
    async with sessions() as session:
        added = await insert_alerts(session, alerts=alerts)
        await session.commit()
    return added


async def _all(sessions: Sessions) -> list[Alert]:
    async with sessions() as session:
        return [s.alert for s in await list_alerts(session, limit=1000)]


async def test_the_same_alert_twice_is_stored_once(sessions: Sessions) -> None:
    alert = make_alert()

    first = await _insert(sessions, [alert])
    second = await _insert(sessions, [alert, alert])

    assert (first, second) == (1, 0)
    assert await _all(sessions) == [alert]


async def test_storing_returns_only_the_rows_stored_now_in_id_order(sessions: Sessions) -> None:
    old, new = make_alert("OLD", minute=1), [make_alert("NEW", minute=m) for m in (5, 2, 9)]
    await _insert(sessions, [old])

    async with sessions() as session, session.begin():
        stored = await store_alerts(session, alerts=[old, *new, new[0]])
    async with sessions() as session:
        read_back = [await get_alert(session, alert_id=s.id) for s in stored]

    assert [s.alert for s in stored] == new  # the repeat and the old one are not returned
    assert [s.id for s in stored] == sorted(s.id for s in stored)
    assert stored == read_back


async def test_on_an_autocommit_connection_the_statement_is_the_transaction(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        stored = await store_alerts(auto, alerts=[make_alert("AUTO")])
        async with sessions() as other:  # another connection sees it without a commit
            seen = await get_alert(other, alert_id=stored[0].id)

    assert seen is not None and seen.alert.symbol == "AUTO"


async def test_a_stored_alert_reads_back_exactly(sessions: Sessions) -> None:
    alert = make_alert(extra_ns=123_456_789)
    await _insert(sessions, [alert])

    async with sessions() as session:
        newest = await latest_alert_id(session)
        stored = await get_alert(session, alert_id=newest)
        missing = await get_alert(session, alert_id=newest + 1)

    assert stored is not None
    assert stored.alert == alert
    assert stored.alert.trigger_time_ns % 1_000_000_000 == 123_456_789
    assert stored.created_at.tzinfo is not None
    assert missing is None


async def test_non_finite_numbers_are_stored_as_null(sessions: Sessions) -> None:
    alert = make_alert(pct=math.nan)
    await _insert(sessions, [alert])

    (stored,) = await _all(sessions)

    assert stored.conditions["pct_move"] is None


async def test_concurrent_overlapping_batches_store_each_alert_once(sessions: Sessions) -> None:
    first = [make_alert(minute=m) for m in range(0, 60)]
    second = [make_alert(minute=m) for m in range(30, 90)]

    added = await asyncio.gather(_insert(sessions, first), _insert(sessions, second))

    stored = await _all(sessions)
    assert sum(added) == 90
    assert len(stored) == 90
    assert {a.idempotency_key for a in stored} == {
        make_alert(minute=m).idempotency_key for m in range(90)
    }


async def test_ids_follow_commit_order(sessions: Sessions) -> None:
    early = sessions()
    await insert_alerts(early, alerts=[make_alert("EARLY")])  # holds the insert lock

    async def late_insert() -> None:
        await _insert(sessions, [make_alert("LATE")])

    late = asyncio.create_task(late_insert())
    await asyncio.sleep(0.3)
    blocked_while_early_was_open = not late.done()
    await early.commit()
    await early.close()
    await asyncio.wait_for(late, timeout=15)

    async with sessions() as session:
        ordered = [s.alert.symbol for s in await list_alerts(session)]
    assert blocked_while_early_was_open
    assert ordered == ["EARLY", "LATE"]


async def test_an_autocommit_insert_waits_for_an_open_one_and_gets_the_later_id(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    early = sessions()
    await insert_alerts(early, alerts=[make_alert("EARLY")])  # holds the insert lock

    async def late_insert() -> None:
        async with engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await store_alerts(auto, alerts=[make_alert("LATE")])

    late = asyncio.create_task(late_insert())
    await asyncio.sleep(0.3)
    blocked_while_early_was_open = not late.done()
    await early.commit()
    await early.close()
    await asyncio.wait_for(late, timeout=15)

    async with sessions() as session:
        ordered = [s.alert.symbol for s in await list_alerts(session)]
    assert blocked_while_early_was_open
    assert ordered == ["EARLY", "LATE"]


async def _seed(sessions: Sessions) -> None:
    await _insert(
        sessions,
        [
            make_alert("AAPL", "gap_up", minute=0, pct=3.5),
            make_alert("AAPL", "volume_spike", minute=1, pct=None),
            make_alert("TSLA", "gap_down", minute=2, pct=-6.0),
            make_alert("TSLA", "gap_up", minute=3, pct=12.0),
            make_alert("NVDA", "new_high_of_day", minute=20, pct=1.0),
        ],
    )


def _at(minute: int) -> datetime:
    return datetime.fromtimestamp((OPEN_NS + minute * MINUTE_NS) / 1e9, tz=UTC)


async def test_list_alerts_filters(sessions: Sessions) -> None:
    await _seed(sessions)

    async with sessions() as session:

        async def symbols(**filters: Any) -> list[tuple[str, str]]:
            found = await list_alerts(session, **filters)
            return [(s.alert.symbol, s.alert.alert_type) for s in found]

        by_symbol = await symbols(symbol="TSLA")
        by_type = await symbols(alert_type="gap_up")
        by_time = await symbols(since=_at(1), until=_at(3))
        by_move = await symbols(min_pct=5)
        combined = await symbols(symbol="AAPL", alert_type="gap_up", min_pct=3)

    assert by_symbol == [("TSLA", "gap_down"), ("TSLA", "gap_up")]
    assert by_type == [("AAPL", "gap_up"), ("TSLA", "gap_up")]
    assert by_time == [("AAPL", "volume_spike"), ("TSLA", "gap_down")]
    assert by_move == [("TSLA", "gap_down"), ("TSLA", "gap_up")]
    assert combined == [("AAPL", "gap_up")]


async def test_cursor_pages_cover_every_alert_once(sessions: Sessions) -> None:
    await _insert(sessions, [make_alert(minute=m) for m in range(25)])

    seen: list[int] = []
    async with sessions() as session:
        cursor = 0
        while page := await list_alerts(session, after_id=cursor, limit=10):
            seen.extend(s.id for s in page)
            cursor = page[-1].id
        newest = await list_alerts(session, newest_first=True, limit=3)
        older = await list_alerts(session, newest_first=True, before_id=newest[-1].id, limit=3)

    assert len(seen) == 25
    assert seen == sorted(set(seen))
    assert [s.id for s in newest] == seen[-1:-4:-1]
    assert [s.id for s in older] == seen[-4:-7:-1]
