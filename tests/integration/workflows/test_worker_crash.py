"""A worker killed mid-trade: a new worker still honours the stop, exactly once.

Real pieces only: the bundled Temporal dev server (a free port, a temporary
state file), the worker as a separate process (``python -m
tradeassist.workflows.worker``, configured by environment variables like
``tradeassist worker``), a SQLite database and the console SMS outbox file,
which is where the messages are counted.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desk_helpers import find_binary
from sqlalchemy import func, select
from temporalio.client import Client

from tradeassist.domain.commands import OpenPositionCommand
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.migrate import upgrade
from tradeassist.store.tables import AuditLogRow, BarRow, TradeRow
from tradeassist.store.users import get_or_create_user
from tradeassist.workflows.desk import TemporalTradeDesk
from tradeassist.workflows.devserver import DevServer
from tradeassist.workflows.ports import OutboxSmsSender
from tradeassist.workflows.watcher import PriceWatcher, temporal_signaller
from tradeassist.workflows.worker import OUTBOX_FILE

pytestmark = pytest.mark.slow


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[DevServer]:
    dev = DevServer(data_dir=tmp_path / "temporal", binary=find_binary("temporal"))
    async with dev:
        yield dev


def _start_worker(tmp_path: Path, address: str, database_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADEASSIST_", "TEMPORAL"))}
    env |= {
        "TEMPORAL_ADDRESS": address,
        "DATABASE_URL": database_url,
        "TRADEASSIST_DATA_DIR": str(tmp_path / "data"),
    }
    log = (tmp_path / "worker.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "tradeassist.workflows.worker"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=log,
    )


async def _until(check: Callable[[], Awaitable[bool]], logs: Path, timeout_s: float = 45.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out; the workers' log ends with:\n{_tail(logs)}")
        await asyncio.sleep(0.1)


async def test_a_killed_worker_is_replaced_and_the_stop_closes_once(
    tmp_path: Path, server: DevServer
) -> None:
    url = f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'trades.db').as_posix()}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await get_or_create_user(session, user_id="alice")
        session.add(BarRow(symbol="AAPL", start=datetime.now(UTC), bar={"c": 150.0}))
    outbox = OutboxSmsSender(tmp_path / "data" / OUTBOX_FILE)
    client = await Client.connect(server.address)
    desk = TemporalTradeDesk(client, sessions)
    logs = tmp_path / "worker.log"
    workers = [_start_worker(tmp_path, server.address, url)]
    try:

        async def trade_status() -> str:
            async with sessions() as session:
                return str(await session.scalar(select(TradeRow.status)))

        command = OpenPositionCommand(side="long", symbol="AAPL", quantity=100, stop_loss=148.0)
        proposed = await desk.propose(user_id="alice", command=command)
        await _until(lambda: _has(outbox, "Reply YES"), logs)
        await desk.answer(user_id="alice", trade_id=proposed.trade_id, confirmed=True)
        await _until(lambda: _has(outbox, "Entered"), logs)
        assert await trade_status() == "open"

        workers[0].send_signal(signal.SIGKILL)
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        workers.append(_start_worker(tmp_path, server.address, url))
        watcher = PriceWatcher(temporal_signaller(client))
        watcher.sync(await desk.watch_entries(["alice"]))
        for i, price in enumerate([149.2, 148.6, 147.8, 147.5, 147.0]):
            await watcher.on_tick("AAPL", price, i)

        await _until(lambda: _has(outbox, "Closed"), logs)
        async with sessions() as session:
            row = await session.scalar(select(TradeRow))
            closes = await session.scalar(
                select(func.count()).where(AuditLogRow.action == "trade_closed")
            )
        assert row is not None
        assert (row.status, row.exit_price, row.pnl) == ("closed", 147.8, -220.0)
        assert closes == 1 and watcher.signals_sent == 1
        await asyncio.sleep(1.0)  # room for a duplicate to show up, if there were one
        bodies = [m["body"] for m in outbox.messages()]
        assert sum(b.startswith("Closed AAPL long 100 at 147.80") for b in bodies) == 1
        assert sum("P&L -220.00" in b for b in bodies) == 1
        outcome = await client.get_workflow_handle(row.workflow_id or "").result()
        assert outcome["status"] == "closed"
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=15)
        await engine.dispose()


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


async def _has(outbox: OutboxSmsSender, text: str) -> bool:
    return any(text in m["body"] for m in outbox.messages())
