"""The watcher turns a tick stream into signals on level crossings only."""

from __future__ import annotations

from temporalio.service import RPCError, RPCStatusCode

from tradeassist.workflows.inputs import PriceCrossing
from tradeassist.workflows.levels import Levels
from tradeassist.workflows.watcher import PriceWatcher, WatchEntry


class Recorder:
    def __init__(self, *, gone: set[str] | None = None) -> None:
        self.sent: list[tuple[str, PriceCrossing]] = []
        self.gone = gone or set()

    async def __call__(self, workflow_id: str, crossing: PriceCrossing) -> None:
        if workflow_id in self.gone:
            raise RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")
        self.sent.append((workflow_id, crossing))


async def _feed(watcher: PriceWatcher, symbol: str, prices: list[float]) -> None:
    for i, price in enumerate(prices):
        await watcher.on_tick(symbol, price, i)


async def test_ticks_between_the_levels_send_nothing() -> None:
    recorder = Recorder()
    watcher = PriceWatcher(recorder)
    watcher.watch(WatchEntry("w1", "AAPL", Levels("long", 150.0, 148.0, 155.0)))

    await _feed(watcher, "AAPL", [149.0, 151.0, 152.5, 148.01, 154.99] * 200)

    assert recorder.sent == []
    assert await watcher.last_price("AAPL") == 154.99


async def test_the_stop_crossing_is_signalled_once() -> None:
    recorder = Recorder()
    watcher = PriceWatcher(recorder)
    watcher.watch(WatchEntry("w1", "AAPL", Levels("long", 150.0, 148.0, 155.0)))

    await _feed(watcher, "AAPL", [149.0, 148.0, 147.5, 147.0])

    assert [(w, c.price) for w, c in recorder.sent] == [("w1", 148.0)]
    assert watcher.watching() == 0


async def test_other_symbols_do_not_disturb() -> None:
    recorder = Recorder()
    watcher = PriceWatcher(recorder)
    watcher.watch(WatchEntry("w1", "AAPL", Levels("long", 150.0, 148.0, 155.0)))

    await _feed(watcher, "MSFT", [1.0, 1000.0])

    assert recorder.sent == []


async def test_a_trailing_stop_reports_steps_of_the_high_then_the_exit_with_the_best() -> None:
    recorder = Recorder()
    watcher = PriceWatcher(recorder)
    watcher.watch(WatchEntry("w1", "MSFT", Levels("long", 100.0, trailing_stop_pct=4.0)))
    rising = [100.0 + i * 0.1 for i in range(101)]  # 100 -> 110 in 101 ticks

    await _feed(watcher, "MSFT", [*rising, 106.0, 105.5])

    bests = [c.best for _, c in recorder.sent]
    assert 5 <= len(recorder.sent) <= 12  # about one per 1% step, not one per tick
    assert recorder.sent[-1][1].price == 105.5  # 110 * 0.96 = 105.6
    assert bests[-1] is not None and abs(bests[-1] - 110.0) < 1e-6


async def test_an_ended_workflow_is_dropped() -> None:
    recorder = Recorder(gone={"w1"})
    watcher = PriceWatcher(recorder)
    watcher.watch(WatchEntry("w1", "AAPL", Levels("long", 150.0, 148.0)))

    await _feed(watcher, "AAPL", [147.0, 146.0])

    assert watcher.watching() == 0 and recorder.sent == []


async def test_sync_keeps_the_best_price_seen_and_drops_closed_trades() -> None:
    recorder = Recorder()
    watcher = PriceWatcher(recorder)
    entry = WatchEntry("w1", "MSFT", Levels("long", 100.0, trailing_stop_pct=10.0))
    watcher.watch(entry)
    watcher.watch(WatchEntry("w2", "MSFT", Levels("long", 100.0, 90.0)))
    await _feed(watcher, "MSFT", [102.0])

    watcher.sync([entry])
    await _feed(watcher, "MSFT", [91.7])  # 102 * 0.9 = 91.8: out, judged on the kept best

    assert [w for w, _ in recorder.sent] == ["w1"]
