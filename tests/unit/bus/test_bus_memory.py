from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tradeassist.bus import BusClosed, BusLagged, InProcessBus
from tradeassist.store.alerts import StoredAlert

MakeAlert = Callable[..., StoredAlert]


async def test_every_subscriber_gets_every_batch_in_id_order(make_alert: MakeAlert) -> None:
    bus = InProcessBus()
    async with bus.subscribe() as first, bus.subscribe() as second:
        await bus.publish([make_alert(2), make_alert(1)])

        got_first = await anext(aiter(first))
        got_second = await anext(aiter(second))

    assert [a.id for a in got_first] == [1, 2]
    assert [a.id for a in got_second] == [1, 2]


async def test_alerts_published_before_entering_are_not_delivered(make_alert: MakeAlert) -> None:
    bus = InProcessBus()
    subscription = bus.subscribe()
    await bus.publish([make_alert(1)])

    async with subscription:
        await bus.publish([make_alert(2)])
        batch = await anext(aiter(subscription))

    assert [a.id for a in batch] == [2]


async def test_a_slow_subscriber_lags_and_the_publisher_never_waits(make_alert: MakeAlert) -> None:
    bus = InProcessBus(max_pending=2)
    async with bus.subscribe() as slow:
        for i in range(1, 6):
            await bus.publish([make_alert(i)])  # returns at once though nobody reads

        with pytest.raises(BusLagged):
            await anext(aiter(slow))
        await bus.publish([make_alert(6)])
        after = await anext(aiter(slow))

    assert [a.id for a in after] == [6]


async def test_closing_the_bus_ends_waiting_subscribers() -> None:
    bus = InProcessBus()
    async with bus.subscribe() as subscription:
        waiter = asyncio.create_task(anext(aiter(subscription)))
        await asyncio.sleep(0)

        await bus.close()

        with pytest.raises(BusClosed):
            await waiter


async def test_a_left_subscription_is_forgotten() -> None:
    bus = InProcessBus()
    async with bus.subscribe():
        assert bus.subscriber_count == 1

    assert bus.subscriber_count == 0
