"""The price tap: the screener's batches in, a few level-crossing signals out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from temporalio.service import RPCError, RPCStatusCode

from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.feed_types import BatchHandler, FeedBatch, FeedStatus
from tradeassist.workflows.bar_prices import bar_path
from tradeassist.workflows.inputs import PriceCrossing
from tradeassist.workflows.levels import Levels
from tradeassist.workflows.ports import StaticPrices
from tradeassist.workflows.price_tap import PriceTap, TappedFeed, last_prints
from tradeassist.workflows.watcher import PriceWatcher, WatchEntry

AAPL, MSFT = 7, 9
T0 = 1_773_151_800_000_000_000  # 2026-03-10 14:10 UTC


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, PriceCrossing]] = []

    async def __call__(self, workflow_id: str, crossing: PriceCrossing) -> None:
        self.sent.append((workflow_id, crossing))


def records(*rows: tuple[int, float, str, int], t0: int = T0) -> npt.NDArray[np.void]:
    """MBP-1 records (instrument id, price in dollars, action, size), 1 ms apart from ``t0``."""
    out = np.zeros(len(rows), dtype=parsing.MBP1_DTYPE)
    out["rtype"] = parsing.RTYPE_MBP_1
    out["ts_event"] = t0 + np.arange(len(rows)) * 1_000_000
    out["ts_recv"] = out["ts_event"] + 50_000
    for i, (iid, price, action, size) in enumerate(rows):
        out[i]["instrument_id"] = iid
        out[i]["price"] = parsing.UNDEF_PRICE if price < 0 else round(price * 1e9)
        out[i]["action"] = action.encode()
        out[i]["size"] = size
    return out


def batch(
    *rows: tuple[int, float, str, int], symbols: dict[int, str] | None = None, t0: int = T0
) -> FeedBatch:
    recs = records(*rows, t0=t0)
    return FeedBatch(recs, np.zeros(recs.shape[0], dtype=np.int64), symbols or {})


async def eventually(check: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def long_aapl(since_ns: int = 0) -> WatchEntry:
    return WatchEntry("w1", "AAPL", Levels("long", 150.0, 148.0, 155.0), since_ns)


def test_last_prints_takes_the_last_round_lot_trade_of_each_listed_instrument() -> None:
    recs = records(
        (AAPL, 150.0, "T", 100),
        (MSFT, 400.0, "T", 100),
        (AAPL, 149.5, "T", 200),
        (AAPL, 149.0, "A", 100),  # a quote
        (AAPL, 148.0, "T", 10),  # an odd lot
        (AAPL, -1.0, "T", 100),  # no price
        (11, 20.0, "T", 100),  # not listed
    )

    found = last_prints(recs, np.array([AAPL, MSFT], dtype=np.uint32), min_size=100)

    assert sorted(found) == [(AAPL, 149.5, T0 + 2_000_000), (MSFT, 400.0, T0 + 1_000_000)]
    assert last_prints(recs, np.empty(0, dtype=np.uint32)) == []


async def test_only_a_batch_crossing_the_stop_signals_once() -> None:
    recorder = Recorder()
    tap = PriceTap(PriceWatcher(recorder), min_size=100)
    tap.watcher.sync([long_aapl()])
    tap.want({"AAPL"})
    ticks = [(AAPL, 150.0 + (i % 7) / 10, "T", 100) for i in range(500)]

    tap(batch(*ticks, symbols={AAPL: "AAPL", MSFT: "MSFT"}))
    tap(batch((MSFT, 1.0, "T", 100)))
    quiet = await tap.drain()
    tap(batch((AAPL, 149.0, "T", 100), (AAPL, 147.9, "T", 100)))
    tap(batch((AAPL, 147.5, "T", 100)))
    crossed = await tap.drain()

    assert (quiet, crossed) == (0, 1)
    assert [(w, c.price) for w, c in recorder.sent] == [("w1", 147.9)]
    assert await tap.last_price("AAPL") == 147.5
    assert await tap.last_price("MSFT") is None  # no trade there: not tapped


async def test_last_price_falls_back_for_symbols_not_seen_yet() -> None:
    tap = PriceTap(PriceWatcher(Recorder()), fallback=StaticPrices({"TSLA": 200.0}))

    assert await tap.last_price("TSLA") == 200.0
    assert await tap.last_price("NVDA") is None


async def test_prints_before_the_fill_are_ignored() -> None:
    recorder = Recorder()
    tap = PriceTap(PriceWatcher(recorder))
    tap.watcher.sync([long_aapl(since_ns=T0 + 1)])  # filled just after the first print
    tap.want({"AAPL"})

    tap(batch((AAPL, 140.0, "T", 100), symbols={AAPL: "AAPL"}))  # at T0: a replayed morning
    before = await tap.drain()
    tap(batch((AAPL, 147.9, "T", 100), t0=T0 + 60_000_000_000))
    after = await tap.drain()

    assert (before, after) == (0, 1)
    assert [c.price for _, c in recorder.sent] == [147.9]


async def test_run_reads_the_watch_list_and_feeds_the_watcher_until_stopped() -> None:
    recorder = Recorder()
    tap = PriceTap(PriceWatcher(recorder))
    stop = asyncio.Event()

    async def read() -> tuple[list[WatchEntry], set[str]]:
        return [long_aapl()], {"TSLA"}

    running = asyncio.create_task(tap.run(stop, read, refresh_s=0.05))
    await eventually(lambda: tap.watcher.watching() == 1)
    tap(batch((AAPL, 147.0, "T", 100), (12, 199.0, "T", 100), symbols={AAPL: "AAPL", 12: "TSLA"}))
    await eventually(lambda: bool(recorder.sent))
    await asyncio.sleep(0.2)  # several refreshes: the trade is still "open" in the store
    tap(batch((AAPL, 146.0, "T", 100)))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(running, 2)

    assert [(w, c.price) for w, c in recorder.sent] == [("w1", 147.0)]
    assert await tap.last_price("TSLA") == 199.0


async def test_the_watcher_signals_again_when_the_levels_change_or_time_passes() -> None:
    recorder = Recorder()
    now = [0.0]
    watcher = PriceWatcher(recorder, resignal_after_s=30.0, clock=lambda: now[0])
    watcher.sync([long_aapl()])
    await watcher.on_tick("AAPL", 147.0, 1)

    watcher.sync([long_aapl()])
    skipped = watcher.watching()
    watcher.sync([WatchEntry("w1", "AAPL", Levels("long", 150.0, 146.0, 155.0))])  # stop moved
    moved = watcher.watching()
    watcher.sync([long_aapl()])
    await watcher.on_tick("AAPL", 145.0, 2)
    now[0] = 31.0
    watcher.sync([long_aapl()])

    assert (skipped, moved, watcher.watching()) == (0, 1, 1)
    assert [c.price for _, c in recorder.sent] == [147.0, 145.0]


class ListFeed:
    def __init__(self, batches: list[FeedBatch]) -> None:
        self.batches = batches
        self._status = FeedStatus()

    @property
    def status(self) -> FeedStatus:
        return self._status

    async def run(self, on_batch: BatchHandler) -> None:
        for b in self.batches:
            on_batch(b)

    def stop(self) -> None:
        pass


async def test_a_failing_tap_never_keeps_a_batch_from_the_screener() -> None:
    screened: list[FeedBatch] = []

    def broken(_: FeedBatch) -> None:
        raise RPCError("boom", RPCStatusCode.UNAVAILABLE, b"")

    batches = [batch((AAPL, 150.0, "T", 100)), batch((AAPL, 151.0, "T", 100))]
    await TappedFeed(ListFeed(batches), broken).run(screened.append)

    assert screened == batches


def test_a_bar_is_walked_through_its_likely_path() -> None:
    up = {"o": 10.0, "h": 12.0, "l": 9.0, "c": 11.0}
    down = {"o": 11.0, "h": 12.0, "l": 9.0, "c": 10.0}

    assert bar_path(up) == [10.0, 9.0, 12.0, 11.0]
    assert bar_path(down) == [11.0, 12.0, 9.0, 10.0]
    assert bar_path({"c": 5}) == [5.0]
    assert bar_path({}) == []
