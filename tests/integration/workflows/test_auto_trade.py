"""An alert matching an auto-trade subscription starts one TradeLifecycle, confirmed by YES."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desk_helpers import Desk, running_desk
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.alerts import Alert
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.service import NotifyServices, build_notify
from tradeassist.settings import Settings
from tradeassist.store.alerts import store_alerts
from tradeassist.store.subscriptions import add_subscription
from tradeassist.store.tables import NotifyDeliveryRow, TradeRow
from tradeassist.workflows.messages import PAPER_NOTICE

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
async def desk(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> AsyncIterator[Desk]:
    async with running_desk(sessions, tmp_path / "outbox.jsonl") as d:
        await d.add_users("alice", "bob")
        yield d


def notifier(
    database_url: str, sessions: async_sessionmaker[AsyncSession], desk: Desk
) -> NotifyServices:
    """A fresh notifier (a restart builds a new one) proposing to the Temporal desk."""
    return build_notify(
        settings=Settings(database_url=database_url, _env_file=None),  # type: ignore[call-arg]
        sessions=sessions,
        config=NotifyConfig(delivery_lease_seconds=0.0),
        desk=desk.desk,
        transport=ConsoleTransport(stream=io.StringIO()),
        clock=lambda: T0,
    )


def alert(alert_type: str, symbol: str = "AAPL", price: float = 150.0) -> Alert:
    return Alert(
        symbol=symbol,
        alert_type=alert_type,
        trigger_price=price,
        trigger_time_ns=int(T0.timestamp()) * 1_000_000_000,
        trading_day="2026-03-10",
        level="3",
        conditions={"pct_move": 3.4},
    )


async def trades_of(sessions: async_sessionmaker[AsyncSession], user_id: str) -> list[TradeRow]:
    async with sessions() as session:
        rows = await session.scalars(select(TradeRow).where(TradeRow.user_id == user_id))
        return list(rows.all())


async def test_an_auto_trade_alert_starts_one_lifecycle_that_yes_opens(
    desk: Desk, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    async with sessions() as session, session.begin():
        await add_subscription(
            session,
            user_id="alice",
            values={"channels": ["websocket"], "auto_trade": True, "auto_trade_quantity": 10},
        )
        await add_subscription(session, user_id="bob", values={"channels": ["websocket"]})
        stored = await store_alerts(
            session, alerts=[alert("gap_up"), alert("volume_spike", "TSLA", 200.0)]
        )
    first = notifier(database_url, sessions, desk)
    await first.reload()

    await first.handle(stored)

    texts = await desk.wait_texts("alice", 1)
    assert texts[0].startswith(PAPER_NOTICE) and "BUY 10 AAPL" in texts[0] and "147.00" in texts[0]
    [trade] = await trades_of(sessions, "alice")
    assert (trade.side, trade.quantity, trade.alert_id) == ("long", 10, stored[0].id)
    assert trade.workflow_id == f"trade-alert-{stored[0].id}-alice"
    assert await trades_of(sessions, "bob") == []  # bob did not ask for auto-trades

    # A restart after the proposal but before it was marked sent proposes again: nothing new.
    async with sessions() as session, session.begin():
        await session.execute(update(NotifyDeliveryRow).values(state="pending"))
    second = notifier(database_url, sessions, desk)
    await second.reload()
    assert await second.ledger.recover() == 1
    await second.handle(stored)  # the same batch redelivered: already recorded
    assert [t.id for t in await trades_of(sessions, "alice")] == [trade.id]
    assert (await desk.actions("alice")).count("trade_proposed") == 1

    await desk.desk.answer(user_id="alice", trade_id=trade.id, confirmed=True)
    opened = await desk.wait_status(trade.id, "open")
    assert opened.entry_price == 150.0 and opened.stop_loss == 147.0
    assert len(desk.texts("alice")) >= 2  # the confirmation request, then the fill
    for services in (first, second):
        await services.aclose()
