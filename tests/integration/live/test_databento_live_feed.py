"""The official Databento client against the loopback gateway, through our supervision."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from live_helpers import SimDay, eventually, fast_config, feed_for, start_gateway

from tradeassist.errors import AuthenticationError, FeedError
from tradeassist.feeds.databento.feed_process import ProcessFeed
from tradeassist.feeds.databento.feed_types import FeedBatch
from tradeassist.feeds.databento.gateway import LoopbackGateway
from tradeassist.feeds.databento.live import LiveFeed

RATE = 12_000.0  # records per second: the 30,000-record day streams in 2.5 s


class Received:
    def __init__(self) -> None:
        self.sequences: list[int] = []
        self.symbols: dict[int, str] = {}

    def __call__(self, batch: FeedBatch) -> None:
        self.symbols.update(batch.symbols)
        self.sequences.extend(batch.records["sequence"].tolist())


async def stream(day: SimDay, feed: LiveFeed, fault: Any = None) -> Received:
    received = Received()
    running = asyncio.create_task(feed.run(received))
    if fault is not None:
        await eventually(lambda: len(received.sequences) > 5000, 10, "the first records")
        fault()
    await eventually(lambda: len(received.sequences) >= day.records.shape[0], 30, "every record")
    feed.stop()
    await asyncio.wait_for(running, 10)
    return received


FAULTS = {
    "reset": lambda gw: gw.drop_connections(reset=True),
    "clean close": lambda gw: gw.drop_connections(reset=False),
    "stalled stream": lambda gw: gw.stall(3.0),
    "refused for a while": lambda gw: gw.refuse_for(2.0),
    "transient gateway error": lambda gw: gw.send_error("Internal error", "INTERNAL_ERROR"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_the_feed_recovers_by_itself_with_every_record_exactly_once(
    sim_day: SimDay, fault: str
) -> None:
    gateway = await start_gateway(sim_day, rate=RATE)
    try:
        feed = feed_for(gateway)
        received = await stream(sim_day, feed, lambda: FAULTS[fault](gateway))
    finally:
        await gateway.close()
    assert received.sequences == sim_day.sequences  # nothing missing, nothing twice, in order
    assert feed.status.reconnects >= 1
    first, *later = gateway.subscriptions
    assert first.start == 0 and later
    assert all(s.start is not None and s.start > 0 for s in later)  # resumed with a replay
    assert len(received.symbols) == 60  # every mapping, announced again after each reconnect


async def test_the_feed_asks_for_every_symbol_and_never_for_skipped_records(
    sim_day: SimDay,
) -> None:
    gateway = await start_gateway(sim_day, rate=None)
    try:
        received = await stream(sim_day, feed_for(gateway))
    finally:
        await gateway.close()
    assert received.sequences == sim_day.sequences
    assert len(received.symbols) == 60
    request = gateway.auth_requests[0]
    assert request["slow_reader_behavior"] == "warn"
    assert request["dataset"] == "TRADEASSIST.SIM"
    assert [(s.schema, s.stype_in, s.symbols) for s in gateway.subscriptions] == [
        ("mbp-1", "raw_symbol", ("ALL_SYMBOLS",))
    ]


@pytest.mark.parametrize("how", ["wrong key", "rejected"])
async def test_refused_credentials_are_a_clear_error_without_the_key(
    sim_day: SimDay, how: str
) -> None:
    gateway = await start_gateway(sim_day, rate=None)
    key = "db-" + "Zz9" * 9 + "xy"
    try:
        if how == "rejected":
            gateway.reject_auth = True
            key = gateway.api_key
        feed = LiveFeed(feed_for(gateway)._config, api_key=key)
        with pytest.raises(AuthenticationError) as caught:
            await asyncio.wait_for(feed.run(Received()), 20)
    finally:
        await gateway.close()
    message = str(caught.value)
    assert "refused the API key" in message and "Authentication failed" in message
    assert key not in message and key[3:] not in message
    assert "\n" not in message


async def test_a_gateway_error_message_is_a_clear_feed_error(sim_day: SimDay) -> None:
    gateway = await start_gateway(sim_day, rate=None)
    gateway.failure = ("Unknown symbology for dataset", "INVALID_SUBSCRIPTION")
    try:
        with pytest.raises(FeedError, match="Databento gateway error: Unknown symbology"):
            await asyncio.wait_for(feed_for(gateway).run(Received()), 20)
    finally:
        await gateway.close()


async def test_a_stopped_feed_hands_over_everything_it_received(sim_day: SimDay) -> None:
    gateway: LoopbackGateway = await start_gateway(sim_day, rate=RATE)
    try:
        feed = feed_for(gateway)
        received = Received()
        running = asyncio.create_task(feed.run(received))
        await eventually(lambda: len(received.sequences) > 3000, 10, "some records")
        feed.stop()
        await asyncio.wait_for(running, 10)
    finally:
        await gateway.close()
    n = len(received.sequences)
    assert received.sequences == sim_day.sequences[:n]
    assert feed.status.state == "stopped"
    assert np.all(np.diff(received.sequences) == 1)


async def test_the_feed_in_a_process_of_its_own_delivers_the_same_records(
    sim_day: SimDay,
) -> None:
    gateway = await start_gateway(sim_day, rate=RATE)
    try:
        feed = ProcessFeed(fast_config(gateway), api_key=gateway.api_key)
        received = Received()
        running = asyncio.create_task(feed.run(received))
        await eventually(lambda: len(received.sequences) > 5000, 30, "the first records")
        gateway.drop_connections(reset=True)
        await eventually(lambda: len(received.sequences) >= sim_day.records.shape[0], 30, "all")
        feed.stop()
        await asyncio.wait_for(running, 10)
    finally:
        await gateway.close()
    assert received.sequences == sim_day.sequences
    assert feed.status.reconnects >= 1 and feed.status.records == sim_day.records.shape[0]
    assert feed.status.seconds_since_record() is not None


async def test_the_feed_process_reports_refused_credentials(sim_day: SimDay) -> None:
    gateway = await start_gateway(sim_day, rate=None)
    gateway.reject_auth = True
    try:
        feed = ProcessFeed(fast_config(gateway), api_key=gateway.api_key)
        with pytest.raises(AuthenticationError, match="refused the API key"):
            await asyncio.wait_for(feed.run(Received()), 30)
    finally:
        await gateway.close()
