"""The real activities are idempotent on the workflow id and map our errors for Temporal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from tradeassist.errors import NotConfiguredError, StorageError
from tradeassist.store.tables import AuditLogRow, TradeRow
from tradeassist.store.users import get_or_create_user
from tradeassist.workflows.activities import TradeActivities
from tradeassist.workflows.inputs import (
    CloseTradeInput,
    EndTradeInput,
    OpenTradeInput,
    RecordTradeInput,
    SmsInput,
)
from tradeassist.workflows.messages import PAPER_NOTICE
from tradeassist.workflows.ports import OutboxSmsSender, StaticPrices

RECORD = RecordTradeInput("wf-1", "alice", "AAPL", "long", 100, stop_loss=148.0)


class BrokenSender:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send(self, *, user_id: str, body: str) -> None:
        raise self.error


@pytest.fixture
async def acts(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> TradeActivities:
    async with sessions() as session, session.begin():
        await get_or_create_user(session, user_id="alice")
    outbox = OutboxSmsSender(tmp_path / "outbox.jsonl")
    return TradeActivities(sessions, sender=outbox, prices=StaticPrices({"AAPL": 150.0}))


async def _count(sessions: async_sessionmaker[AsyncSession], action: str) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(AuditLogRow).where(AuditLogRow.action == action)
        return int(await session.scalar(query) or 0)


async def test_every_step_twice_does_it_once(
    acts: TradeActivities, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ids = {await acts.record_trade(RECORD) for _ in range(2)}
    opens = [await acts.open_trade(OpenTradeInput("wf-1", 150.0)) for _ in range(2)]
    closes = [await acts.close_trade(CloseTradeInput("wf-1", 147.5, "stop_loss")) for _ in range(2)]

    assert len(ids) == 1
    assert opens[0] == opens[1] and opens[0].opened
    assert closes[0] == closes[1] and closes[0].pnl == -250.0
    for action in ("trade_opened", "trade_closed"):
        assert await _count(sessions, action) == 1
    async with sessions() as session:
        row = await session.scalar(select(TradeRow).where(TradeRow.workflow_id == "wf-1"))
    assert row is not None and (row.status, row.exit_price, row.pnl) == ("closed", 147.5, -250.0)


async def test_a_message_is_sent_once_per_key_and_the_first_says_paper(
    acts: TradeActivities, tmp_path: Path
) -> None:
    await acts.send_sms(SmsInput("alice", "one", "wf-1:confirm"))
    await acts.send_sms(SmsInput("alice", "one", "wf-1:confirm"))
    await acts.send_sms(SmsInput("alice", "two", "wf-1:follow_up"))

    bodies = [m["body"] for m in OutboxSmsSender(tmp_path / "outbox.jsonl").messages()]
    assert bodies == [f"{PAPER_NOTICE} one", "two"]


async def test_a_closed_or_open_trade_is_not_ended_and_a_pending_one_cannot_close(
    acts: TradeActivities,
) -> None:
    await acts.record_trade(RECORD)

    with pytest.raises(ApplicationError) as refused:
        await acts.close_trade(CloseTradeInput("wf-1", 150.0, "user"))
    await acts.open_trade(OpenTradeInput("wf-1", 150.0))
    await acts.end_trade(EndTradeInput("wf-1", "expired", "no reply"))

    assert refused.value.non_retryable
    closed = await acts.close_trade(CloseTradeInput("wf-1", 151.0, "user"))
    assert closed.pnl == 100.0


@pytest.mark.parametrize(
    ("error", "retried"),
    [(NotConfiguredError("no phone number for alice"), False), (StorageError("db down"), True)],
)
async def test_our_errors_become_application_errors(
    sessions: async_sessionmaker[AsyncSession], error: Exception, retried: bool
) -> None:
    async with sessions() as session, session.begin():
        await get_or_create_user(session, user_id="alice")
    acts = TradeActivities(sessions, sender=BrokenSender(error), prices=StaticPrices())

    with pytest.raises(ApplicationError) as raised:
        await acts.send_sms(SmsInput("alice", "hello", "k"))

    assert raised.value.non_retryable is not retried
    assert raised.value.message == str(error)
    assert raised.value.type == type(error).__name__
