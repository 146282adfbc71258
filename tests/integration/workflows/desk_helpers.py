"""A desk, the real activities and a worker on the time-skipping server, over a real database."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from tradeassist.store.tables import AuditLogRow, TradeRow
from tradeassist.store.users import get_or_create_user
from tradeassist.workflows.activities import TradeActivities
from tradeassist.workflows.desk import TemporalTradeDesk
from tradeassist.workflows.ports import OutboxSmsSender, StaticPrices
from tradeassist.workflows.worker import build_worker


def find_binary(name: str) -> str:
    """A Temporal binary from the virtualenv or PATH; skip (fail on CI) without it."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        message = f"{name} is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true requires it", pytrace=False)
        pytest.skip(message)
    return found


@dataclass
class Desk:
    desk: TemporalTradeDesk
    sessions: async_sessionmaker[AsyncSession]
    outbox: OutboxSmsSender
    prices: StaticPrices

    def texts(self, user_id: str) -> list[str]:
        return [m["body"] for m in self.outbox.messages() if m["user_id"] == user_id]

    async def trade(self, trade_id: int) -> TradeRow:
        async with self.sessions() as session:
            row = await session.get(TradeRow, trade_id)
        assert row is not None
        return row

    async def wait_status(self, trade_id: int, status: str, timeout_s: float = 10.0) -> TradeRow:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            row = await self.trade(trade_id)
            if row.status == status:
                return row
            if loop.time() > deadline:
                raise AssertionError(f"trade {trade_id} is {row.status}, never {status}")
            await asyncio.sleep(0.05)

    async def wait_texts(self, user_id: str, count: int, timeout_s: float = 10.0) -> list[str]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while len(self.texts(user_id)) < count:
            if loop.time() > deadline:
                raise AssertionError(f"only {self.texts(user_id)}")
            await asyncio.sleep(0.05)
        return self.texts(user_id)

    async def actions(self, user_id: str) -> list[str]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(AuditLogRow.action)
                .where(AuditLogRow.user_id == user_id)
                .order_by(AuditLogRow.id)
            )
            return list(rows.all())

    async def add_users(self, *user_ids: str) -> None:
        async with self.sessions() as session, session.begin():
            for user_id in user_ids:
                await get_or_create_user(session, user_id=user_id)


@asynccontextmanager
async def running_desk(
    sessions: async_sessionmaker[AsyncSession], outbox_path: Path, **desk_options: float
) -> AsyncIterator[Desk]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server")
    )
    prices = StaticPrices({"AAPL": 150.0, "TSLA": 200.0})
    outbox = OutboxSmsSender(outbox_path)
    activities = TradeActivities(sessions, sender=outbox, prices=prices)
    async with env, build_worker(env.client, activities):
        desk = TemporalTradeDesk(env.client, sessions, prices=prices, **desk_options)  # type: ignore[arg-type]
        yield Desk(desk, sessions, outbox, prices)
