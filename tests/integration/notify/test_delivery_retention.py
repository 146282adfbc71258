"""Retention of the notifier's delivery ledger and SMS queue, on SQLite and PostgreSQL.

Finished rows past the retention go, in chunks; pending, held, recent rows
and rows of alerts a feed may still hand out stay; the SMS log stays whole;
and a notifier restarted after a clean-up, even on a cursor that hands every
old alert out again, texts each alert once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from notify_helpers import MakeServices, add_user, gap_alert
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from test_delivery_crash import CONFIG, SYMBOLS, USERS, restart_until_texted, stored_alerts
from test_delivery_crash import subscribed_users as subscribe_users

from tradeassist.bus.base import StoredAlert
from tradeassist.bus.memory import InProcessBus
from tradeassist.bus.redis_group import RedisAlertGroup
from tradeassist.bus.redis_streams import RedisStreamBus
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.follow import CursorFeed, GroupFeed
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.retention import Retention
from tradeassist.store.alerts import store_alerts
from tradeassist.store.retention import prune_deliveries, pruned_through
from tradeassist.store.tables import (
    NotifierCursorRow,
    NotifyDeliveryRow,
    SmsMessageRow,
    SmsOutboxRow,
)

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=2)
PRUNED = "tradeassist_retention_pruned_rows_total"


async def everything() -> int:
    return 10**12


def retention(
    sessions: async_sessionmaker[AsyncSession], metrics: NotifyMetrics, **config: object
) -> Retention:
    return Retention(sessions=sessions, config=NotifyConfig(**config), metrics=metrics)  # type: ignore[arg-type]


async def add_deliveries(
    sessions: async_sessionmaker[AsyncSession], rows: list[tuple[int, str, datetime]]
) -> None:
    """``(alert_id, state, created_at)`` ledger rows of user u1's texts."""
    async with sessions() as session, session.begin():
        session.add_all(
            NotifyDeliveryRow(alert_id=a, user_id="u1", channel="sms", state=s, created_at=t)
            for a, s, t in rows
        )


async def ledger(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(NotifyDeliveryRow.alert_id, NotifyDeliveryRow.state).order_by(
                NotifyDeliveryRow.alert_id
            )
        )
        return [(a, s) for a, s in rows.all()]


async def count(sessions: async_sessionmaker[AsyncSession], table: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_old_sent_deliveries_go_recent_pending_and_held_stay(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_user(sessions, "u1", "+15551230001")
    await add_deliveries(
        sessions,
        [
            (1, "sent", OLD),
            (2, "sent", OLD),
            (3, "pending", OLD),
            (4, "held", OLD),
            (5, "sent", RECENT),
            (6, "pending", RECENT),
        ],
    )
    metrics = NotifyMetrics()

    pruned = await retention(sessions, metrics).prune(everything)

    assert pruned.deliveries == 2
    assert await ledger(sessions) == [(3, "pending"), (4, "held"), (5, "sent"), (6, "pending")]
    async with sessions() as session:
        assert await pruned_through(session) == 2
    assert metrics.registry.get_sample_value(PRUNED, {"table": "notify_deliveries"}) == 2


async def test_deliveries_of_alerts_the_feed_may_still_hand_out_stay(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_user(sessions, "u1", "+15551230001")
    await add_deliveries(sessions, [(n, "sent", OLD) for n in range(1, 7)])

    async def floor() -> int:
        return 4  # alerts 4 and up may still come (pending in the group, past the cursor)

    await retention(sessions, NotifyMetrics()).prune(floor)
    await add_deliveries(sessions, [(1, "sent", OLD)])  # a lower alert's row, deleted later
    await retention(sessions, NotifyMetrics()).prune(floor)

    assert [a for a, _ in await ledger(sessions)] == [4, 5, 6]
    async with sessions() as session:
        assert await pruned_through(session) == 3  # the mark never moves back


async def test_nothing_goes_with_retention_zero_or_without_a_feed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_user(sessions, "u1", "+15551230001")
    await add_deliveries(sessions, [(1, "sent", OLD)])

    await retention(sessions, NotifyMetrics(), retention_days=0).prune(everything)
    await retention(sessions, NotifyMetrics()).prune(None)

    assert await ledger(sessions) == [(1, "sent")]


async def test_many_rows_go_in_chunks(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_user(sessions, "u1", "+15551230001")
    await add_deliveries(sessions, [(n, "sent", OLD) for n in range(1, 2501)])
    metrics = NotifyMetrics()

    async with sessions() as session, session.begin():
        first = await prune_deliveries(session, before=NOW, below_alert=10**12, limit=1000)
    assert first == 1000
    assert await count(sessions, NotifyDeliveryRow) == 1500

    pruned = await retention(sessions, metrics, retention_chunk_rows=400).prune(everything)

    assert pruned.deliveries == 1500
    assert await count(sessions, NotifyDeliveryRow) == 0
    assert metrics.registry.get_sample_value(PRUNED, {"table": "notify_deliveries"}) == 1500


async def test_finished_queue_rows_go_and_the_sms_log_stays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_user(sessions, "u1", "+15551230001")
    queue = [("done", OLD), ("dead", OLD), ("pending", OLD), ("done", RECENT)]
    async with sessions() as session, session.begin():
        for n, (state, attempted) in enumerate(queue):
            message = SmsMessageRow(
                user_id="u1", direction="out", from_number="+1", to_number="+2", body=str(n)
            )
            session.add(message)
            await session.flush()
            session.add(
                SmsOutboxRow(
                    message_id=message.id,
                    user_id="u1",
                    kind="alert",
                    segments=1,
                    state=state,
                    next_attempt_at=attempted,
                )
            )
    metrics = NotifyMetrics()

    pruned = await retention(sessions, metrics).prune(None)

    assert pruned.outbox == 2
    async with sessions() as session:
        left = (await session.scalars(select(SmsOutboxRow.state).order_by(SmsOutboxRow.id))).all()
    assert left == ["pending", "done"]
    assert await count(sessions, SmsMessageRow) == 4
    assert metrics.registry.get_sample_value(PRUNED, {"table": "sms_outbox"}) == 2


async def wait_for_no_ledger(sessions: async_sessionmaker[AsyncSession]) -> None:
    for _ in range(200):  # up to 10 s
        if await count(sessions, NotifyDeliveryRow) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(await ledger(sessions))


async def test_a_notifier_restarted_after_a_clean_up_texts_each_alert_once(
    make_services: MakeServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
) -> None:
    bus = InProcessBus()
    await bus.start()
    first = make_services(**CONFIG)
    await subscribe_users(first, sessions)
    await CursorFeed(bus, sessions).prepare()
    await stored_alerts(sessions)
    await restart_until_texted(first, CursorFeed(bus, sessions, page_size=4), console, 30)
    async with sessions() as session, session.begin():  # a month goes by
        await session.execute(update(NotifyDeliveryRow).values(created_at=OLD))
        await session.execute(update(SmsOutboxRow).values(next_attempt_at=OLD))

    # The next notifier's clean-up deletes every finished row, in its own loop.
    second = make_services(**CONFIG, retention_interval_seconds=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(second.run(stop, feed=CursorFeed(bus, sessions)))
    await wait_for_no_ledger(sessions)
    stop.set()
    await asyncio.wait_for(running, timeout=15)
    assert await count(sessions, SmsOutboxRow) == 0
    assert await count(sessions, SmsMessageRow) == 30  # the SMS log is whole

    # A stale cursor hands every old alert out again; new alerts arrive too.
    async with sessions() as session, session.begin():
        await session.execute(
            update(NotifierCursorRow)
            .where(NotifierCursorRow.name == "notifier")
            .values(last_alert_id=0)
        )
    async with sessions() as session, session.begin():
        await store_alerts(session, alerts=[gap_alert(100 + n, f"NEW{n}") for n in range(5)])
    third = make_services(**CONFIG)
    await restart_until_texted(third, CursorFeed(bus, sessions, page_size=4), console, 45)
    await bus.close()

    new = [f"NEW{n}" for n in range(5)]
    texted = Counter(
        (to, symbol)
        for to, body in console.sent
        for symbol in SYMBOLS + new
        if f" {symbol} " in body
    )
    # Each old alert once (not again after the stale cursor), each new one once.
    assert texted == Counter((to, s) for to in USERS.values() for s in SYMBOLS + new)


async def test_a_group_holds_its_pending_and_undelivered_alerts(
    redis_url: str, redis_key_prefix: str
) -> None:
    stream = redis_key_prefix + "alerts"
    member = RedisAlertGroup(redis_url, group="notifier", consumer="a", stream=stream)
    feed = GroupFeed(member)
    await feed.prepare()
    publisher = RedisStreamBus(redis_url, stream=stream)
    try:
        assert await feed.floor() is None
        await publisher.publish([StoredAlert(n, gap_alert(n), NOW) for n in range(1, 6)])
        assert await feed.floor() == 1  # none delivered yet

        taken = await member.read(count=2, block_ms=100)
        assert [m.stored.id for m in taken] == [1, 2]
        await member.ack([taken[0].entry_id])
        assert await feed.floor() == 2  # 2 is pending, 3 to 5 undelivered

        await member.ack([taken[1].entry_id])
        rest = await member.read(count=10, block_ms=100)
        assert await feed.floor() == 3
        await member.ack([m.entry_id for m in rest])
        assert await feed.floor() is None
    finally:
        await publisher.close()
        await member.close()


async def test_a_clean_up_keeps_what_a_group_still_holds_and_loses_nothing(
    make_services: MakeServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
    redis_url: str,
    redis_key_prefix: str,
) -> None:
    stream = redis_key_prefix + "alerts"

    def member(consumer: str, idle_ms: int = 60_000) -> RedisAlertGroup:
        return RedisAlertGroup(
            redis_url, group="notifier", consumer=consumer, stream=stream, claim_idle_ms=idle_ms
        )

    first = make_services(**CONFIG)
    await subscribe_users(first, sessions)
    crashed = member("crashed")
    await crashed.start()
    publisher = RedisStreamBus(redis_url, stream=stream)
    alerts = await stored_alerts(sessions)
    await publisher.publish(alerts)
    # One replica took the first three alerts and died before recording them.
    assert len(await crashed.read(count=3, block_ms=100)) == 3
    await crashed.close()
    await restart_until_texted(first, GroupFeed(member("b"), block_ms=100), console, 21)
    async with sessions() as session, session.begin():  # a month goes by
        await session.execute(update(NotifyDeliveryRow).values(created_at=OLD))

    # The three alerts are still pending in the group: every row stays (none is
    # past the floor), so no mark hides them from the replica that claims them.
    probe = member("probe")
    held = await first.retention.prune(GroupFeed(probe).floor)
    assert held.deliveries == 0
    await restart_until_texted(
        make_services(**CONFIG), GroupFeed(member("c", idle_ms=200), block_ms=100), console, 30
    )
    cleared = await first.retention.prune(GroupFeed(probe).floor)
    await probe.close()
    await publisher.close()

    texted = Counter(
        (to, symbol) for to, body in console.sent for symbol in SYMBOLS if f" {symbol} " in body
    )
    assert texted == Counter((to, s) for to in USERS.values() for s in SYMBOLS)
    assert cleared.deliveries == 21  # the claimed alerts' rows are a month younger
