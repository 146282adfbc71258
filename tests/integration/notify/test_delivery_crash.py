"""A notifier killed mid-batch and restarted: every matched alert texted once, none lost.

The crash is real as far as the database and Redis can tell: the notifier's
task is cancelled in the middle of a batch, after the batch was recorded and
while its texts were being queued (a hook the ledger takes in its
constructor), and nothing of it runs again. A new notifier (new core, new
ledger, new feed) then starts on the same database and stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable

from notify_helpers import MakeServices, add_user, gap_alert
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.bus.base import StoredAlert
from tradeassist.bus.memory import InProcessBus
from tradeassist.bus.redis_group import RedisAlertGroup
from tradeassist.bus.redis_streams import RedisStreamBus
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.core import Delivery
from tradeassist.notify.follow import AlertFeed, CursorFeed, GroupFeed
from tradeassist.notify.ledger import DeliveryLedger
from tradeassist.notify.service import NotifyServices
from tradeassist.store.alerts import store_alerts
from tradeassist.store.tables import NotifyDeliveryRow, SmsMessageRow

USERS = {"u1": "+15551230001", "u2": "+15551230002", "u3": "+15551230003"}
SYMBOLS = [f"SYM{chr(ord('A') + n)}" for n in range(10)]
CONFIG = {"sms_per_minute": 1000, "delivery_lease_seconds": 0.0}


async def subscribed_users(
    services: NotifyServices, sessions: async_sessionmaker[AsyncSession]
) -> None:
    from tradeassist.store.subscriptions import add_subscription

    for user_id, phone in USERS.items():
        await add_user(sessions, user_id, phone)
        async with sessions() as session, session.begin():
            await add_subscription(session, user_id=user_id, values={"channels": ["sms"]})
    await services.reload()


async def stored_alerts(sessions: async_sessionmaker[AsyncSession]) -> list[StoredAlert]:
    alerts = [gap_alert(n, symbol) for n, symbol in enumerate(SYMBOLS)]
    async with sessions() as session, session.begin():
        return await store_alerts(session, alerts=alerts)


def crash_after(count: int) -> tuple[Callable[[Delivery], Awaitable[None]], asyncio.Event]:
    """A hook that lets ``count`` deliveries through, then hangs until cancelled."""
    crashed = asyncio.Event()
    seen = 0

    async def hook(_delivery: Delivery) -> None:
        nonlocal seen
        seen += 1
        if seen > count:
            crashed.set()
            await asyncio.Event().wait()

    return hook, crashed


async def crash_mid_batch(services: NotifyServices, feed: AlertFeed, after: int) -> None:
    """Run ``feed`` into ``services`` until ``after`` deliveries went out, then kill it."""
    hook, crashed = crash_after(after)
    services.ledger = DeliveryLedger(
        sessions=services.sessions, core=services.core, config=services.config, before_send=hook
    )
    task = asyncio.create_task(feed.run(services))
    await asyncio.wait_for(crashed.wait(), timeout=20)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def restart_until_texted(
    services: NotifyServices, feed: AlertFeed, console: ConsoleTransport, expected: int
) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(services.run(stop, feed=feed))
    for _ in range(400):  # up to 20 s
        if len(console.sent) >= expected:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # time for a duplicate to show up, if there were one
    stop.set()
    await asyncio.wait_for(running, timeout=15)


async def assert_each_alert_texted_once(
    sessions: async_sessionmaker[AsyncSession], console: ConsoleTransport
) -> None:
    wanted = Counter((phone, symbol) for phone in USERS.values() for symbol in SYMBOLS)
    sent = Counter(
        (to, symbol) for to, body in console.sent for symbol in SYMBOLS if f" {symbol} " in body
    )
    assert sent == wanted, (sent - wanted, wanted - sent)
    async with sessions() as session:
        stored = (await session.scalars(select(SmsMessageRow.body))).all()
        states = Counter((await session.scalars(select(NotifyDeliveryRow.state))).all())
    assert len(stored) == len(wanted)  # queued once each, not once per attempt
    assert states == {"sent": len(wanted)}


async def test_a_cursor_notifier_killed_mid_batch_texts_every_alert_once_after_restart(
    make_services: MakeServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
) -> None:
    first = make_services(**CONFIG)
    await subscribed_users(first, sessions)
    bus = InProcessBus()
    await bus.start()
    feed = CursorFeed(bus, sessions, page_size=4)
    await feed.prepare()  # the cursor starts before the alerts: all ten are owed
    await stored_alerts(sessions)

    # Batches of 4 alerts x 3 users: killed after 18 texts, in the middle of the second.
    await crash_mid_batch(first, feed, after=18)
    async with sessions() as session:
        owed = Counter((await session.scalars(select(NotifyDeliveryRow.state))).all())
    assert owed == {"sent": 18, "pending": 6}  # the 2nd batch was recorded before its texts

    second = make_services(**CONFIG)
    await restart_until_texted(second, CursorFeed(bus, sessions, page_size=4), console, 30)
    await bus.close()

    await assert_each_alert_texted_once(sessions, console)


async def test_a_group_notifier_killed_mid_batch_texts_every_alert_once_after_restart(
    make_services: MakeServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
    redis_url: str,
    redis_key_prefix: str,
) -> None:
    stream = redis_key_prefix + "alerts"

    def group(consumer: str) -> GroupFeed:
        member = RedisAlertGroup(
            redis_url, group="notifier", consumer=consumer, stream=stream, claim_idle_ms=200
        )
        return GroupFeed(member, block_ms=100)

    first = make_services(**CONFIG)
    await subscribed_users(first, sessions)
    feed = group("crashes")
    await feed.prepare()
    publisher = RedisStreamBus(redis_url, stream=stream)
    await publisher.publish(await stored_alerts(sessions))

    await crash_mid_batch(first, feed, after=12)
    await restart_until_texted(make_services(**CONFIG), group("restarted"), console, 30)
    await publisher.close()

    await assert_each_alert_texted_once(sessions, console)
