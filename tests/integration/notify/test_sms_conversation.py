"""Conversations by text with a verified user: echo, YES/NO, watch, mute, filters, paper notice."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from notify_helpers import FROM_NUMBER, T0, Clock, MakeServices, add_user, gap_alert
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.commands import OpenPositionCommand
from tradeassist.domain.trading import PendingTrade
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.desk import RecordingTradeDesk
from tradeassist.notify.inbound import InboundResult, InboundSms
from tradeassist.notify.model import AlertRef
from tradeassist.notify.service import NotifyServices
from tradeassist.store.sms_users import get_state
from tradeassist.store.subscriptions import add_subscription, list_subscriptions
from tradeassist.store.tables import AuditLogRow

PHONE = "+14155550100"
Say = Callable[[str], Awaitable[str]]
_SIDS = itertools.count(1)


@pytest.fixture
async def say(services: NotifyServices, sessions: async_sessionmaker[AsyncSession]) -> Say:
    await add_user(sessions, "u1", PHONE)

    async def send(text: str) -> str:
        sms = InboundSms(f"SM{next(_SIDS):032d}", PHONE, FROM_NUMBER, text)
        return (await services.inbound.handle(sms)).reply or ""

    await send("help")  # the first text of all carries the paper-trading notice
    return send


def desk_of(services: NotifyServices) -> RecordingTradeDesk:
    assert isinstance(services.desk, RecordingTradeDesk)
    return services.desk


async def test_the_first_text_says_trading_is_paper_only(
    services: NotifyServices, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "u1", PHONE)

    first = await services.inbound.handle(InboundSms("SM" + "9" * 32, PHONE, FROM_NUMBER, "hi"))
    second = await services.inbound.handle(InboundSms("SM" + "8" * 32, PHONE, FROM_NUMBER, "hi"))

    assert first.reply is not None and "paper trading only" in first.reply
    assert second.reply is not None and "paper trading only" not in second.reply


async def test_a_buy_is_echoed_and_waits_for_yes(say: Say, services: NotifyServices) -> None:
    echo = await say("buy 100 AAPL at 150, stop 148, target 155")

    assert echo == (
        "Paper trade: BUY 100 AAPL at 150.00, stop 148.00, target 155.00. "
        "Reply YES to confirm, NO to cancel."
    )
    assert [i for i, _ in desk_of(services).intents] == ["propose"]
    proposed = desk_of(services).intents[0][1]["command"]
    assert proposed == OpenPositionCommand(
        side="long", symbol="AAPL", quantity=100, limit_price=150, stop_loss=148, take_profit=155
    )

    assert (await say("YES")).startswith("Confirmed: BUY 100 AAPL at 150.00")
    assert desk_of(services).intents[-1] == (
        "answer",
        {"user_id": "u1", "trade_id": 1, "confirmed": True},
    )
    assert "AAPL" in await say("status")
    assert await say("yes") == "Nothing is waiting for a YES or NO."


async def test_with_several_trades_waiting_yes_asks_which(
    say: Say, services: NotifyServices
) -> None:
    await say("buy AAPL at 150")
    second = await say("short TSLA at 250 stop 260")
    assert second.startswith("Paper trade 2: SELL SHORT 100 TSLA at 250.00")

    question = await say("yes")

    assert question.startswith("2 trades wait: 1) BUY 100 AAPL")
    assert "2) SELL SHORT 100 TSLA" in question and "YES 1" in question
    assert (await say("YES 2")).startswith("Confirmed: SELL SHORT 100 TSLA")
    assert (await say("no")).startswith("Cancelled: BUY 100 AAPL")
    answers = [d for i, d in desk_of(services).intents if i == "answer"]
    assert [(a["trade_id"], a["confirmed"]) for a in answers] == [(2, True), (1, False)]


async def test_yes_by_symbol(say: Say) -> None:
    await say("buy AAPL at 150")
    await say("buy NVDA at 900")

    assert (await say("yes nvda")).startswith("Confirmed: BUY 100 NVDA")
    assert await say("yes 5") == "There is no trade 5 waiting."


async def test_closing_is_echoed_and_done_only_after_yes(
    say: Say, services: NotifyServices
) -> None:
    assert await say("close TSLA") == "You have no open TSLA position."
    await say("buy TSLA at 250")
    await say("yes")

    echo = await say("close tsla")

    assert echo == "Paper trade: CLOSE TSLA. Reply YES to confirm, NO to cancel."
    assert "close" not in [i for i, _ in desk_of(services).intents]
    assert await say("yes") == "Closed TSLA (paper)."
    assert desk_of(services).intents[-1] == ("close", {"user_id": "u1", "symbol": "TSLA"})


async def test_close_all_is_the_kill_switch_after_yes(say: Say, services: NotifyServices) -> None:
    for text in ("buy AAPL at 150", "yes", "buy AMD at 160", "yes"):
        await say(text)

    assert await say("close everything") == (
        "Paper trade: CLOSE ALL 2 open positions. Reply YES to confirm, NO to cancel."
    )
    assert await say("y") == "Closed 2 positions (paper)."
    assert "No open positions" in await say("status")


async def test_a_held_close_expires(say: Say, services: NotifyServices, clock: Clock) -> None:
    await say("buy AAPL at 150")
    await say("yes")
    await say("close AAPL")

    clock.advance(services.config.confirm_ttl_seconds + 1)

    assert await say("yes") == "Nothing is waiting for a YES or NO."


async def test_move_stop_acts_at_once(say: Say) -> None:
    assert await say("move stop on AAPL to 149") == "You have no open AAPL position."
    await say("buy AAPL at 150 stop 148")
    await say("yes")

    assert await say("move stop on AAPL to 149") == "Stop on AAPL moved to 149.00 (paper)."


async def texted(services: NotifyServices, console: ConsoleTransport, *alerts: AlertRef) -> int:
    before = len(console.sent)
    for ref in alerts:
        await services.core.notify(ref, at=T0)
    await services.sender.run_once()
    return len(console.sent) - before


async def test_watch_creates_a_price_subscription(
    say: Say,
    services: NotifyServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
) -> None:
    reply = await say("watch NVDA above 900")

    assert reply == "Watching NVDA: you will get its alerts at or above 900.00."
    async with sessions() as session:
        [sub] = await list_subscriptions(session, user_id="u1")
    assert (sub.symbols, sub.min_price, sub.channels) == (["NVDA"], 900.0, ["sms"])
    assert await texted(services, console, AlertRef(gap_alert(1, "NVDA", price=905.0))) == 1
    assert await texted(services, console, AlertRef(gap_alert(2, "NVDA", price=850.0))) == 0
    assert await texted(services, console, AlertRef(gap_alert(3, "AMD", price=905.0))) == 0


async def test_mute_until_2pm_is_in_the_users_time_zone(
    say: Say,
    services: NotifyServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
) -> None:
    async with sessions() as session, session.begin():
        await add_subscription(session, user_id="u1", values={"channels": ["sms"]})

    reply = await say("mute until 2pm")

    assert reply.startswith("Texts muted until Tue 14:00 EDT")
    async with sessions() as session:
        state = await get_state(session, user_id="u1")
    assert state.muted_until == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    assert await texted(services, console, AlertRef(gap_alert(1))) == 0
    assert await say("unmute") == "Texts are back on."
    assert await texted(services, console, AlertRef(gap_alert(2))) == 1


async def test_alerts_filter_limits_what_is_texted(
    say: Say,
    services: NotifyServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
) -> None:
    async with sessions() as session, session.begin():
        await add_subscription(session, user_id="u1", values={"channels": ["sms"]})

    assert await say("alerts gap_up only") == "You will get texts for gap_up only."

    spike = AlertRef(gap_alert(1, alert_type="volume_spike"))
    assert await texted(services, console, spike) == 0
    assert await texted(services, console, AlertRef(gap_alert(2))) == 1
    assert await say("all alerts") == "You will get texts for every alert type again."
    assert await texted(services, console, AlertRef(gap_alert(3, alert_type="volume_spike"))) == 1


async def test_every_command_is_in_the_audit_trail(
    say: Say, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say("buy AAPL at 150")
    await say("what is this")

    async with sessions() as session:
        rows = (await session.scalars(select(AuditLogRow).order_by(AuditLogRow.id))).all()
    commands = [r.details["command"]["kind"] for r in rows if r.action == "sms_command"]
    assert commands == ["open", "unknown"]  # HELP is a carrier keyword, answered before
    assert await say("what is this") == "Sorry, I did not understand that. Text HELP for examples."


class BrokenDesk(RecordingTradeDesk):
    """A desk whose lifecycle service is down."""

    async def propose(self, **kwargs: object) -> PendingTrade:  # type: ignore[override]
        raise ConnectionError("temporal is unreachable")


async def test_a_failing_desk_gets_a_polite_reply_not_a_traceback(
    make_services: MakeServices, sessions: async_sessionmaker[AsyncSession]
) -> None:
    services = make_services(desk=BrokenDesk())
    await add_user(sessions, "u1", PHONE)

    result = await services.inbound.handle(
        InboundSms("SM" + "7" * 32, PHONE, FROM_NUMBER, "buy AAPL at 150")
    )

    assert result.reply is not None
    assert result.reply.startswith("Sorry, that did not work. Please try again in a minute.")
    assert "temporal" not in result.reply


async def test_a_flood_of_texts_stops_getting_answers_but_stop_still_works(
    make_services: MakeServices, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    services = make_services(inbound_per_minute=3)
    await add_user(sessions, "u1", PHONE)
    sids = (f"SMflood{n:026d}" for n in itertools.count())

    async def text(body: str) -> InboundResult:
        return await services.inbound.handle(InboundSms(next(sids), PHONE, FROM_NUMBER, body))

    replies = [await text("status") for _ in range(5)]

    assert [r.outcome for r in replies] == ["command"] * 3 + ["rate_limited"] * 2
    assert replies[-1].reply is None
    stop = await text("STOP")
    assert stop.outcome == "opt_out" and stop.reply is not None
    clock.advance(61)
    await text("START")
    assert (await text("status")).outcome == "command"
