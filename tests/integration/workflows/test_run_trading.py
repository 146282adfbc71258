"""``tradeassist run``'s trade lifecycle: an SMS YES trades, a tapped print stops it out.

Real pieces: the Temporal dev server (a free port, a temporary state file),
the worker, desk and price tap exactly as ``run`` wires them
(:func:`~tradeassist.runner.start_trading`), the SMS conversation with the
grammar parser, the screener service over a scripted feed (records stamped
with the wall clock, as a live feed's are), the real database and the
console SMS outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest
from desk_helpers import find_binary
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.feeds.databento import parsing
from tradeassist.feeds.databento.feed_types import BatchHandler, FeedBatch, FeedStatus
from tradeassist.live.service import run_screener
from tradeassist.notify.conversation import Conversation
from tradeassist.notify.desk import RecordingTradeDesk
from tradeassist.notify.parser.grammar import GrammarParser
from tradeassist.runner import start_trading
from tradeassist.settings import load_settings
from tradeassist.store.tables import AuditLogRow, TradeRow
from tradeassist.store.users import StoredUser, get_or_create_user
from tradeassist.workflows.desk import TemporalTradeDesk
from tradeassist.workflows.devserver import DevServer
from tradeassist.workflows.ports import OutboxSmsSender
from tradeassist.workflows.price_tap import TappedFeed
from tradeassist.workflows.worker import OUTBOX_FILE

pytestmark = pytest.mark.slow

AAPL = 7


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[DevServer]:
    dev = DevServer(data_dir=tmp_path / "temporal", binary=find_binary("temporal"))
    async with dev:
        yield dev


class Market:
    """A scripted live feed: a batch of AAPL prints at ``price`` every 20 ms."""

    def __init__(self, price: float) -> None:
        self.price = price
        self._status = FeedStatus()
        self._stopping = asyncio.Event()

    @property
    def status(self) -> FeedStatus:
        return self._status

    async def run(self, on_batch: BatchHandler) -> None:
        on_batch(self._batch({AAPL: "AAPL"}))
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 0.02)
            on_batch(self._batch({}))

    def stop(self) -> None:
        self._stopping.set()

    def _batch(self, symbols: dict[int, str]) -> FeedBatch:
        records = np.zeros(5, dtype=parsing.MBP1_DTYPE)
        records["length"] = parsing.MBP1_DTYPE.itemsize // 4
        records["rtype"] = parsing.RTYPE_MBP_1
        records["instrument_id"] = AAPL
        records["ts_event"] = time.time_ns() - 1_000_000 + np.arange(5)
        records["ts_recv"] = records["ts_event"] + 50_000
        price = round(self.price * 1e9)
        records["price"] = [price + 20_000_000, price + 10_000_000, price, price, price]
        records["size"] = 100
        records["action"] = [b"T", b"T", b"A", b"T", b"A"]  # the last print is at ``price``
        records["side"] = b"N"
        records["bid_px_00"] = price - 10_000_000
        records["ask_px_00"] = price + 10_000_000
        records["bid_sz_00"] = records["ask_sz_00"] = 100
        self._status.records += 5
        return FeedBatch(records, np.full(5, time.perf_counter_ns(), dtype=np.int64), symbols)


async def _until(check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _user(sessions: async_sessionmaker[AsyncSession], user_id: str) -> StoredUser:
    async with sessions() as session, session.begin():
        return await get_or_create_user(session, user_id=user_id)


async def _trade(sessions: async_sessionmaker[AsyncSession]) -> TradeRow | None:
    async with sessions() as session:
        return await session.scalar(select(TradeRow))


@pytest.mark.timeout(60)
async def test_yes_trades_and_a_tapped_print_through_the_stop_closes_it_once(
    tmp_path: Path,
    server: DevServer,
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = load_settings(
        database_url=database_url, data_dir=tmp_path / "data", temporal_address=server.address
    )
    reference = tmp_path / "reference.csv"
    reference.write_text("symbol,prev_close,avg_volume\nAAPL,149.00,1000000\n")
    alice = await _user(sessions, "alice")
    outbox = OutboxSmsSender(settings.data_dir / OUTBOX_FILE)
    market = Market(149.90)
    stop = asyncio.Event()
    async with contextlib.AsyncExitStack() as exits:
        trading = await start_trading(settings, exits, stop, simulated=False)
        assert isinstance(trading.desk, TemporalTradeDesk) and trading.tap is not None
        tap = trading.tap
        screening = asyncio.create_task(
            run_screener(settings, reference=reference, feed=TappedFeed(market, tap), stop=stop)
        )
        conversation = Conversation(sessions=sessions, parser=GrammarParser(), desk=trading.desk)
        try:
            # Act: the user's buy, then the YES once the tap prices AAPL (a pending symbol).
            asked = await conversation.handle(alice, "buy AAPL at 150, stop 148, target 155")
            await _until(lambda: _is(tap.last_price("AAPL"), 149.90), "the tap to price AAPL")
            confirmed = await conversation.handle(alice, "YES")
            await _until(lambda: _status(sessions, "open"), "the paper entry")
            await _until(lambda: _watching(tap.watcher.watching()), "the tap to watch the trade")
            market.price = 147.90  # every batch from now on prints through the stop
            await _until(lambda: _status(sessions, "closed"), "the stop to close the trade")
            await asyncio.sleep(1.5)  # room for a second exit or message, were there one
        finally:
            stop.set()
            await asyncio.wait_for(screening, 15)
            for task in trading.tasks:
                await asyncio.wait_for(task, 15)

    # Assert: one paper trade, entered at the tapped price, closed once at the crossing print.
    assert "Reply YES" in asked and "(paper)" in confirmed
    row = await _trade(sessions)
    assert row is not None
    assert (row.quantity, row.entry_price, row.exit_price) == (50, 149.90, 147.90)
    assert (row.status, row.pnl) == ("closed", -100.0)
    async with sessions() as session:
        closes = await session.scalar(
            select(func.count()).where(AuditLogRow.action == "trade_closed")
        )
    assert closes == 1
    bodies = [m["body"] for m in outbox.messages() if m["user_id"] == "alice"]
    follow_ups = [b for b in bodies if b.startswith("Closed AAPL long 50 at 147.90")]
    assert len(follow_ups) == 1 and "-100.00" in follow_ups[0]
    assert tap.watcher.signals_sent == 1  # one signal, though hundreds of prints went through


async def test_without_temporal_trade_commands_are_only_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(data_dir=tmp_path, temporal_address="127.0.0.1:1")
    caplog.set_level(logging.WARNING, logger="tradeassist.runner")

    async with contextlib.AsyncExitStack() as exits:
        trading = await start_trading(settings, exits, asyncio.Event(), simulated=True)

    assert isinstance(trading.desk, RecordingTradeDesk)
    assert trading.tap is None and trading.tasks == []
    assert "nothing is traded" in caplog.text and "127.0.0.1:1" in caplog.text


async def _is(price: Awaitable[float | None], expected: float) -> bool:
    return await price == expected


async def _watching(count: int) -> bool:
    return count > 0


async def _status(sessions: async_sessionmaker[AsyncSession], status: str) -> bool:
    row = await _trade(sessions)
    return row is not None and row.status == status
