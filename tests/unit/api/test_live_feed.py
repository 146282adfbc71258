from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

from tradeassist.api.live import follow_alerts, with_heartbeats
from tradeassist.bus import InProcessBus
from tradeassist.domain.alerts import Alert
from tradeassist.store.alert_queries import AlertFilter
from tradeassist.store.alerts import StoredAlert


def stored(alert_id: int, symbol: str = "AAPL") -> StoredAlert:
    alert = Alert(
        symbol=symbol,
        alert_type="gap_up",
        trigger_price=10.0,
        trigger_time_ns=alert_id,
        trading_day="2026-03-10",
        level=str(alert_id),
        conditions={"pct_move": 4.0},
    )
    return StoredAlert(id=alert_id, alert=alert, created_at=dt.datetime.now(dt.UTC))


class Store:
    """Committed alerts; ``during_read`` runs inside the next read (a commit racing it)."""

    def __init__(self, bus: InProcessBus) -> None:
        self.rows: list[StoredAlert] = []
        self.bus = bus
        self.during_read: list[StoredAlert] = []

    async def commit(self, *alerts: StoredAlert) -> None:
        self.rows.extend(alerts)
        await self.bus.publish(alerts)

    async def replay(self, after_id: int, limit: int, filt: AlertFilter) -> list[StoredAlert]:
        if self.during_read:
            racing, self.during_read = self.during_read, []
            await self.commit(*racing)
        return [a for a in self.rows if a.id > after_id and filt.matches(a)][:limit]

    async def last_id(self) -> int:
        return self.rows[-1].id if self.rows else 0


async def take(feed: AsyncIterator[StoredAlert], n: int) -> list[int]:
    out = []
    for _ in range(n):
        out.append((await asyncio.wait_for(anext(feed), 2)).id)
    return out


async def test_resuming_replays_the_store_then_goes_live_without_gap_or_duplicate() -> None:
    bus = InProcessBus()
    store = Store(bus)
    await store.commit(*(stored(i) for i in range(1, 6)))
    store.during_read = [stored(6)]  # commits while the replay reads: in both the read and the bus
    feed = follow_alerts(bus, store.replay, store.last_id, AlertFilter(), after_id=2, page_size=2)

    first = await take(feed, 4)
    await store.commit(stored(7), stored(8))
    rest = await take(feed, 2)
    await feed.aclose()

    assert first + rest == [3, 4, 5, 6, 7, 8]


async def test_without_a_resume_point_only_new_alerts_arrive() -> None:
    bus = InProcessBus()
    store = Store(bus)
    await store.commit(stored(1), stored(2))
    feed = follow_alerts(bus, store.replay, store.last_id, AlertFilter(), after_id=None)
    pending = asyncio.create_task(take(feed, 1))
    await asyncio.sleep(0.01)

    await store.commit(stored(3))

    assert await pending == [3]
    await feed.aclose()


async def test_a_lagging_reader_catches_up_from_the_store() -> None:
    bus = InProcessBus(max_pending=2)
    store = Store(bus)
    feed = follow_alerts(bus, store.replay, store.last_id, AlertFilter(), after_id=0)
    pending = asyncio.create_task(take(feed, 1))
    await asyncio.sleep(0.01)
    await store.commit(stored(1))
    assert await pending == [1]

    for i in range(2, 30):  # nobody reads meanwhile: the subscription overflows
        await store.commit(stored(i))
    got = await take(feed, 28)
    await feed.aclose()

    assert got == list(range(2, 30))


async def test_filters_apply_to_replayed_and_live_alerts() -> None:
    bus = InProcessBus()
    store = Store(bus)
    await store.commit(stored(1, "AAPL"), stored(2, "TSLA"))
    feed = follow_alerts(
        bus, store.replay, store.last_id, AlertFilter(symbols=("TSLA",)), after_id=0
    )

    replayed = await take(feed, 1)
    await store.commit(stored(3, "AAPL"), stored(4, "TSLA"))
    live = await take(feed, 1)
    await feed.aclose()

    assert replayed + live == [2, 4]


async def test_heartbeats_fill_the_silence() -> None:
    async def silent() -> AsyncIterator[StoredAlert]:
        await asyncio.sleep(10)
        yield stored(1)

    beats = with_heartbeats(silent(), 0.01)

    assert await anext(beats) is None
    assert await anext(beats) is None
    await beats.aclose()
