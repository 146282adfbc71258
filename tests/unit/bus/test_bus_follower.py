from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from tradeassist.bus import DatabaseFollowerBus
from tradeassist.errors import StorageError
from tradeassist.store.alerts import StoredAlert

MakeAlert = Callable[..., StoredAlert]


async def test_it_starts_at_the_newest_row_and_delivers_later_commits(
    store: Any, make_alert: MakeAlert
) -> None:
    store.commit(make_alert(1), make_alert(2))
    bus = DatabaseFollowerBus(store, poll_seconds=0.01)
    await bus.start()
    try:
        async with bus.subscribe() as subscription:
            store.commit(make_alert(3), make_alert(4))
            batch = await asyncio.wait_for(anext(aiter(subscription)), 2)
    finally:
        await bus.close()

    assert [a.id for a in batch] == [3, 4]


async def test_pages_are_read_back_to_back_until_caught_up(
    store: Any, make_alert: MakeAlert
) -> None:
    bus = DatabaseFollowerBus(store, poll_seconds=60, page_size=2)
    await bus.start()  # at id 0; its first poll runs at our first await, after the commit
    try:
        async with bus.subscribe() as subscription:
            store.commit(*(make_alert(i) for i in range(1, 6)))
            seen: list[int] = []
            while len(seen) < 5:
                batch = await asyncio.wait_for(anext(aiter(subscription)), 2)
                seen.extend(a.id for a in batch)
    finally:
        await bus.close()

    # The poll interval is a minute, yet all five arrive: a full page is followed at once.
    assert seen == [1, 2, 3, 4, 5]


async def test_publish_itself_delivers_nothing(store: Any, make_alert: MakeAlert) -> None:
    bus = DatabaseFollowerBus(store, poll_seconds=60)
    await bus.start()
    try:
        async with bus.subscribe() as subscription:
            await bus.publish([make_alert(9)])  # not in the store: must not appear
            store.commit(make_alert(1))
            delivered = await bus.poll_once()
            batch = await asyncio.wait_for(anext(aiter(subscription)), 2)
    finally:
        await bus.close()

    assert delivered == 1
    assert [a.id for a in batch] == [1]


class FailingStore:
    async def last_id(self) -> int:
        return 0

    async def alerts_after(self, after_id: int, limit: int) -> Sequence[StoredAlert]:
        raise StorageError("cannot read alerts at sqlite:///x: disk I/O error")


async def test_a_store_outage_shows_in_the_check_and_the_follower_keeps_running() -> None:
    bus = DatabaseFollowerBus(FailingStore(), poll_seconds=0.01)
    await bus.start()
    try:
        await asyncio.sleep(0.05)
        with pytest.raises(StorageError, match="disk I/O error"):
            await bus.check()
    finally:
        await bus.close()
