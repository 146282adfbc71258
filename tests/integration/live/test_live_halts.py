"""Trading halts live: the official client subscribed to MBP-1 and ``status`` on the gateway."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from live_helpers import DATASET, SimDay, by_key, eventually, fast_config, stored_alerts

from dbn_files import write_halt_and_resume
from replayed import replay_alerts
from tradeassist.bus.memory import InProcessBus
from tradeassist.errors import FeedError
from tradeassist.feeds.databento.feed_process import ProcessFeed
from tradeassist.feeds.databento.feed_types import FeedBatch, MarketFeed
from tradeassist.feeds.databento.gateway import FileSource, LoopbackGateway, generate_api_key
from tradeassist.feeds.databento.live import LiveFeed
from tradeassist.feeds.status_merge import merge_status
from tradeassist.live.metrics import ScreenerStatus
from tradeassist.live.service import live_feed, run_screener
from tradeassist.settings import load_settings

RATE = 12_000.0  # records per second: the 30,000-record day streams in 2.5 s
HALTS = ("trading_halt", "trading_resume")
Event = tuple[Any, ...]


@dataclass(frozen=True)
class HaltDay:
    day: SimDay
    status: Path
    symbol: str
    replayed: list[dict[str, Any]]  # `replay --status`'s alerts, in its order
    events: list[Event]  # the merged stream the gateway serves


def events_of(kind: str, records: npt.NDArray[np.void]) -> list[Event]:
    if kind == "status":
        rows = zip(records["ts_recv"].tolist(), records["action"].tolist(), strict=True)
        return [("status", ts, action) for ts, action in rows]
    return [("mbp-1", seq) for seq in records["sequence"].tolist()]


@pytest.fixture(scope="module")
def halt_day(sim_day: SimDay, tmp_path_factory: pytest.TempPathFactory) -> HaltDay:
    """The simulated day with a symbol that trades paused and resumed, and replay's alerts."""
    folder = tmp_path_factory.mktemp("halts")
    status = folder / "status.dbn"
    symbol = sim_day.replayed[0]["symbol"]
    write_halt_and_resume(status, sim_day.records, symbol)
    replayed = replay_alerts(sim_day.dbn, sim_day.reference, folder / "r.jsonl", status=status)
    assert [a["alert_type"] for a in replayed if a["alert_type"] in HALTS] == list(HALTS)
    source = FileSource(sim_day.dbn, status=status)
    assert source.status is not None
    batches = (sim_day.records[i : i + 4096] for i in range(0, sim_day.records.shape[0], 4096))
    events = [
        e for kind, part in merge_status(batches, [source.status]) for e in events_of(kind, part)
    ]
    return HaltDay(sim_day, status, symbol, replayed, events)


async def start_halt_gateway(halt_day: HaltDay, *, rate: float | None) -> LoopbackGateway:
    source = FileSource(halt_day.day.dbn, status=halt_day.status)
    gateway = LoopbackGateway(source, api_key=generate_api_key(), rate=rate)
    await gateway.start()
    return gateway


class Received:
    """Every record a feed hands over, as events in the order the screener sees them."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.records = 0

    def __call__(self, batch: FeedBatch) -> None:
        self.events += events_of("status", batch.status)  # a batch's status records come first
        self.events += events_of("mbp-1", batch.records)
        self.records += batch.records.shape[0]

    @property
    def halts(self) -> int:
        return sum(1 for e in self.events if e[0] == "status")


async def receive_all(
    halt_day: HaltDay, feed: MarketFeed, gateway: LoopbackGateway, *, reset_after_halt: bool = False
) -> Received:
    """Run ``feed`` until it has every record (resetting the connection once the halt is in)."""
    received = Received()
    running = asyncio.create_task(feed.run(received))
    try:
        if reset_after_halt:
            await eventually(lambda: received.halts >= 1, 20, "the halt")
            gateway.drop_connections(reset=True)
        total = halt_day.day.records.shape[0]
        await eventually(lambda: received.records >= total, 30, "every record")
        feed.stop()
        await asyncio.wait_for(running, 10)
    finally:
        await gateway.close()
    return received


@pytest.mark.parametrize("fault", [None, "reset between the halt and the resumption"])
async def test_halts_arrive_once_in_their_place_among_the_records(
    halt_day: HaltDay, fault: str | None
) -> None:
    gateway = await start_halt_gateway(halt_day, rate=RATE)
    # A long lookback: the replay after the reset sends the halt again, to be dropped.
    feed = LiveFeed(
        fast_config(gateway, status=True, replay_lookback_s=6 * 3600), api_key=gateway.api_key
    )
    received = await receive_all(halt_day, feed, gateway, reset_after_halt=fault is not None)
    assert received.events == halt_day.events  # nothing missing, nothing twice, in order
    assert feed.status.status_records == 3
    by_session: dict[int, list[str]] = {}
    for sub in gateway.subscriptions:
        by_session.setdefault(sub.start or 0, []).append(sub.schema)
    assert all(sorted(schemas) == ["mbp-1", "status"] for schemas in by_session.values())
    if fault:
        assert feed.status.reconnects >= 1 and feed.status.duplicates_dropped > 0
        assert len(by_session) >= 2  # resumed with a replay from one start for both schemas


async def test_the_feed_process_hands_over_status_records_too(halt_day: HaltDay) -> None:
    gateway = await start_halt_gateway(halt_day, rate=None)
    feed = ProcessFeed(fast_config(gateway, status=True), api_key=gateway.api_key)
    received = await receive_all(halt_day, feed, gateway)
    assert received.events == halt_day.events


@pytest.mark.parametrize("fault", [None, "reset"])
async def test_live_halts_are_stored_and_published_as_replay_raises_them(
    halt_day: HaltDay, database_url: str, tmp_path: Path, fault: str | None
) -> None:
    gateway = await start_halt_gateway(halt_day, rate=15_000.0)
    settings = load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        databento_api_key=gateway.api_key,
        databento_dataset=DATASET,
        databento_status="on",
        databento_gateway="127.0.0.1",
        databento_port=gateway.port,
    )
    bus = InProcessBus()
    await bus.start()
    published: list[tuple[str, str]] = []

    async def listen() -> None:
        async with bus.subscribe() as subscription:
            async for batch in subscription:
                published.extend((s.alert.symbol, s.alert.alert_type) for s in batch)

    listening = asyncio.create_task(listen())
    status, stop = ScreenerStatus(), asyncio.Event()
    feed = live_feed(settings, start_ns=0)  # the screener's own feed, from the settings
    running = asyncio.create_task(
        run_screener(
            settings, reference=halt_day.day.reference, feed=feed, stop=stop, bus=bus, status=status
        )
    )
    try:
        if fault:
            await eventually(lambda: feed.status.status_records >= 1, 60, "the halt")
            gateway.drop_connections(reset=True)
        total = halt_day.day.records.shape[0]
        await eventually(lambda: status.records >= total, 60, "every record screened")
        await eventually(lambda: status.alerts_pending == 0, 20, "the sink to catch up")
        stop.set()
        summary = await asyncio.wait_for(running, 15)
    finally:
        stop.set()
        await gateway.close()
    await eventually(lambda: len(published) >= summary.alerts_stored, 5, "the bus")
    listening.cancel()
    await bus.close()

    stored = await stored_alerts(database_url)
    assert by_key(stored) == by_key(halt_day.replayed)  # halts too: same fields and values
    halts = [(a["symbol"], a["alert_type"]) for a in stored if a["alert_type"] in HALTS]
    assert halts == [(halt_day.symbol, "trading_halt"), (halt_day.symbol, "trading_resume")]
    assert sorted(p for p in published if p[1] in HALTS) == sorted(halts)  # each sent once
    assert (summary.reconnects >= 1) == (fault is not None)


async def test_a_status_subscription_where_the_dataset_has_none_is_refused(
    sim_day: SimDay,
) -> None:
    gateway = LoopbackGateway(FileSource(sim_day.dbn), api_key=generate_api_key())
    await gateway.start()
    try:
        feed = LiveFeed(fast_config(gateway, status=True), api_key=gateway.api_key)
        with pytest.raises(FeedError, match="status"):
            await asyncio.wait_for(feed.run(Received()), 20)
    finally:
        await gateway.close()
