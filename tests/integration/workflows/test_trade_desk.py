"""The TradeDesk port on Temporal with the real activities, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desk_helpers import Desk, running_desk
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.commands import OpenPositionCommand
from tradeassist.errors import ConflictError, InputError, NotFoundError
from tradeassist.store.tables import TradeRow
from tradeassist.workflows.messages import PAPER_NOTICE

BUY_AAPL = OpenPositionCommand(side="long", symbol="AAPL", stop_loss=148.0, take_profit=155.0)


@pytest.fixture
async def desk(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> AsyncIterator[Desk]:
    async with running_desk(sessions, tmp_path / "outbox.jsonl", daily_loss_limit=500.0) as d:
        await d.add_users("alice", "bob")
        yield d


async def test_propose_confirm_and_close_a_trade_sized_by_risk(desk: Desk) -> None:
    proposed = await desk.desk.propose(user_id="alice", command=BUY_AAPL)
    # $100 of risk (the default), $2 to the stop: 50 shares.
    assert (proposed.quantity, proposed.status) == (50, "pending_confirmation")
    texts = await desk.wait_texts("alice", 1)
    assert texts[0].startswith(PAPER_NOTICE) and "BUY 50 AAPL" in texts[0]
    assert [t.trade_id for t in await desk.desk.pending(user_id="alice")] == [proposed.trade_id]

    await desk.desk.answer(user_id="alice", trade_id=proposed.trade_id, confirmed=True)
    opened = await desk.wait_status(proposed.trade_id, "open")
    desk.prices.prices["AAPL"] = 151.0
    closed = await desk.desk.close(user_id="alice", symbol="AAPL")

    assert opened.entry_price == 150.0 and opened.entry_time is not None
    assert closed is not None and closed.status == "closed"
    row = await desk.trade(proposed.trade_id)
    assert (row.exit_price, row.pnl) == (151.0, 50.0)
    follow_up = (await desk.wait_texts("alice", 3))[-1]
    assert follow_up.startswith("Closed AAPL long 50 at 151.00") and PAPER_NOTICE not in follow_up
    actions = await desk.actions("alice")
    for action in ("trade_proposed", "trade_confirmed", "trade_opened", "trade_closed"):
        assert actions.count(action) == 1, actions
    assert await desk.desk.positions(user_id="alice") == []


async def test_kill_switch_closes_everything_and_blocks_new_trades(desk: Desk) -> None:
    first = await desk.desk.propose(user_id="alice", command=BUY_AAPL)
    short = OpenPositionCommand(side="short", symbol="TSLA", quantity=5, stop_loss=210.0)
    second = await desk.desk.propose(user_id="alice", command=short)
    waiting = await desk.desk.propose(user_id="alice", command=BUY_AAPL)
    for trade in (first, second):
        await desk.desk.answer(user_id="alice", trade_id=trade.trade_id, confirmed=True)
        await desk.wait_status(trade.trade_id, "open")

    closed = await desk.desk.kill_switch(user_id="alice")

    assert closed == 2
    for trade in (first, second):
        await desk.wait_status(trade.trade_id, "closed")
    await desk.wait_status(waiting.trade_id, "cancelled")
    with pytest.raises(ConflictError, match="kill switch"):
        await desk.desk.propose(user_id="alice", command=BUY_AAPL)
    assert await desk.desk.positions(user_id="bob") == []


async def test_the_daily_loss_limit_refuses_the_entry(desk: Desk) -> None:
    async with desk.sessions() as session, session.begin():
        session.add(
            TradeRow(
                user_id="alice",
                symbol="TSLA",
                side="long",
                quantity=100,
                status="closed",
                entry_price=200.0,
                exit_price=194.0,
                exit_time=datetime.now(UTC),
                pnl=-600.0,
            )
        )
    proposed = await desk.desk.propose(user_id="alice", command=BUY_AAPL)

    await desk.desk.answer(user_id="alice", trade_id=proposed.trade_id, confirmed=True)

    row = await desk.wait_status(proposed.trade_id, "cancelled")
    assert row.entry_price is None
    assert "loss limit of $500.00" in (await desk.wait_texts("alice", 2))[-1]


async def test_answers_reach_only_the_owner_and_only_pending_trades(desk: Desk) -> None:
    proposed = await desk.desk.propose(user_id="alice", command=BUY_AAPL)

    with pytest.raises(NotFoundError):
        await desk.desk.answer(user_id="bob", trade_id=proposed.trade_id, confirmed=True)
    await desk.desk.answer(user_id="alice", trade_id=proposed.trade_id, confirmed=False)
    await desk.wait_status(proposed.trade_id, "cancelled")
    with pytest.raises(ConflictError):
        await desk.desk.answer(user_id="alice", trade_id=proposed.trade_id, confirmed=True)


async def test_move_stop_is_stored_and_bad_levels_are_refused(desk: Desk) -> None:
    proposed = await desk.desk.propose(user_id="alice", command=BUY_AAPL)
    await desk.desk.answer(user_id="alice", trade_id=proposed.trade_id, confirmed=True)
    await desk.wait_status(proposed.trade_id, "open")

    moved = await desk.desk.move_stop(user_id="alice", symbol="AAPL", stop_loss=149.0)

    assert moved is not None and moved.stop_loss == 149.0
    state = await desk.desk.state(proposed.trade_id, user_id="alice")
    assert state.stop_loss == 149.0
    with pytest.raises(InputError, match="below the price"):
        await desk.desk.move_stop(user_id="alice", symbol="AAPL", stop_loss=151.0)
    assert await desk.desk.move_stop(user_id="alice", symbol="MSFT", stop_loss=1.0) is None
    with pytest.raises(InputError, match="give a quantity"):
        await desk.desk.propose(
            user_id="alice", command=OpenPositionCommand(side="long", symbol="AAPL")
        )
