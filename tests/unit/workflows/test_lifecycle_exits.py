"""An open paper trade is closed by its stop, target, trailing stop, the user or the close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_fakes import FakeBook
from workflow_helpers import keep_history, start, wait_for_status

from tradeassist.workflows.inputs import (
    Answer,
    CloseRequest,
    MoveStop,
    PriceCrossing,
    TradeInput,
)
from tradeassist.workflows.levels import Levels
from tradeassist.workflows.watcher import PriceWatcher, WatchEntry, temporal_signaller
from tradeassist.workflows.workflows import TradeLifecycle

NS = 1_000_000_000


def _aapl(**overrides: object) -> TradeInput:
    fields: dict[str, object] = {
        "user_id": "u1",
        "symbol": "AAPL",
        "side": "long",
        "quantity": 100,
        "stop_loss": 148.0,
        "take_profit": 155.0,
    }
    fields.update(overrides)
    return TradeInput(**fields)  # type: ignore[arg-type]


async def test_confirm_enter_then_the_stop_closes_at_the_crossing_price(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    handle = await start(env, _aapl())
    await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
    await wait_for_status(handle, "open")

    await handle.signal(TradeLifecycle.price_crossing, PriceCrossing(147.9, 1 * NS))
    outcome = await handle.result()

    assert (outcome.status, outcome.entry_price, outcome.exit_price) == ("closed", 150.0, 147.9)
    assert outcome.pnl == pytest.approx(-210.0)
    trade = book.only_trade()
    assert (trade.status, trade.exit_reason, trade.pnl) == ("closed", "stop_loss", outcome.pnl)
    bodies = book.bodies()
    assert "Reply YES" in bodies[0] and "BUY 100 AAPL" in bodies[0]
    assert bodies[-1].startswith("Closed AAPL long 100 at 147.90 (stop loss)")
    assert "P&L -210.00" in bodies[-1]
    await keep_history(handle, "confirm_enter_stop")


async def test_confirm_enter_then_the_target_closes_a_short(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    trade = _aapl(symbol="TSLA", side="short", quantity=10, stop_loss=205.0, take_profit=190.0)
    handle = await start(env, trade)
    await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
    await wait_for_status(handle, "open")

    # A price between the levels changes nothing; the target does.
    await handle.signal(TradeLifecycle.price_crossing, PriceCrossing(195.0, 1 * NS))
    await handle.signal(TradeLifecycle.price_crossing, PriceCrossing(189.5, 2 * NS))
    outcome = await handle.result()

    assert (outcome.status, outcome.exit_price, outcome.pnl) == ("closed", 189.5, 105.0)
    assert book.only_trade().exit_reason == "take_profit"
    assert "(target)" in book.bodies()[-1] and "P&L +105.00" in book.bodies()[-1]
    await keep_history(handle, "confirm_enter_target")


async def test_the_user_closes_early_at_the_last_price(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    handle = await start(env, _aapl())
    await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
    await wait_for_status(handle, "open")
    book.prices["AAPL"] = 151.25

    await handle.signal(TradeLifecycle.close, CloseRequest("user"))
    outcome = await handle.result()

    assert (outcome.status, outcome.exit_price, outcome.pnl) == ("closed", 151.25, 125.0)
    assert book.only_trade().exit_reason == "user"
    await keep_history(handle, "user_closes_early")


async def test_a_trailing_stop_follows_the_high_and_signals_only_on_crossings(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    trade = _aapl(symbol="MSFT", stop_loss=None, take_profit=None, trailing_stop_pct=5.0)
    handle = await start(env, trade)
    await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
    state = await wait_for_status(handle, "open")
    watcher = PriceWatcher(temporal_signaller(env.client))
    watcher.watch(WatchEntry(handle.id, "MSFT", Levels("long", 100.0, trailing_stop_pct=5.0)))
    ticks = [100.2, 100.9, 101.0, 103.5, 106.0, 108.0, 109.0, 110.0, 109.5, 107.0, 105.0, 104.4]

    for i, price in enumerate(ticks):
        await watcher.on_tick("MSFT", price, i * NS)
    outcome = await handle.result()

    # 110 high, 5% trail: the stop is 104.50 and the 104.40 print exits.
    assert state.effective_stop == pytest.approx(95.0)
    assert (outcome.status, outcome.exit_price) == ("closed", 104.4)
    assert outcome.pnl == pytest.approx(440.0)
    assert book.only_trade().exit_reason == "trailing_stop"
    assert book.only_trade().stops[-1] > 95.0  # the ratcheted stop was stored
    assert watcher.signals_sent < len(ticks) // 2
    await keep_history(handle, "trailing_stop")


async def test_a_moved_stop_is_stored_and_honoured(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    handle = await start(env, _aapl())
    await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
    await wait_for_status(handle, "open")

    await handle.signal(TradeLifecycle.move_stop, MoveStop(149.5))
    await handle.signal(TradeLifecycle.price_crossing, PriceCrossing(149.4, 1 * NS))
    outcome = await handle.result()

    assert (outcome.exit_price, outcome.reason) == (149.4, "stop_loss")
    assert book.only_trade().stops == [149.5]
    await keep_history(handle, "move_stop")


async def test_an_open_trade_exits_at_the_close_across_a_dst_change(
    env: WorkflowEnvironment, book: FakeBook
) -> None:
    # Filled Friday 2025-03-07 after the close (EST); clocks spring forward on
    # Sunday, so Monday's 16:00 close is 20:00 UTC, not 21:00.
    friday_evening = datetime(2025, 3, 7, 22, 0, tzinfo=UTC)
    book.offset = friday_evening - await env.get_current_time()
    async with Worker(
        env.client,
        task_queue="test-trades",
        workflows=[TradeLifecycle],
        activities=book.activities(),
    ):
        handle = await start(env, _aapl(stop_loss=140.0, take_profit=170.0))
        await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
        outcome = await handle.result()

    trade = book.only_trade()
    assert (outcome.status, trade.exit_reason) == ("closed", "session_close")
    assert trade.entry_time is not None and trade.exit_time is not None
    assert trade.entry_time - friday_evening < timedelta(minutes=1)
    assert abs(trade.exit_time - datetime(2025, 3, 10, 20, 0, tzinfo=UTC)) < timedelta(seconds=5)
    assert "(market close)" in book.bodies()[-1]
    await keep_history(handle, "exit_at_close_dst")
