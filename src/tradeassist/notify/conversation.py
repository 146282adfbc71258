"""A verified user's text, parsed and acted on; returns the reply.

Anything that opens or closes a position is echoed back first and waits
for a YES: openings are proposed to the ``TradeDesk`` (which holds them as
pending), closings are held here (see :mod:`tradeassist.notify.confirmations`).
Stop moves, watches, alert filters, mute, status and help act at once. Every
action is written to the audit trail. Paper trading only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.alerts import ALERT_TYPES
from tradeassist.domain.commands import (
    AlertsFilterCommand,
    CancelCommand,
    CloseCommand,
    Command,
    ConfirmCommand,
    HelpCommand,
    KillSwitchCommand,
    MoveStopCommand,
    MuteCommand,
    OpenPositionCommand,
    StatusCommand,
    UnmuteCommand,
    WatchCommand,
)
from tradeassist.domain.trading import TradeDesk
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.confirmations import Waiting, choose, describe, live_actions, menu
from tradeassist.notify.parser import CommandParser
from tradeassist.notify.texts import help_text, trade_line
from tradeassist.store.sms_users import audit, get_state, set_state
from tradeassist.store.subscriptions import add_subscription
from tradeassist.store.users import StoredUser

__all__ = ["Conversation"]

ASK = "Reply YES to confirm, NO to cancel."
OnChange = Callable[[str], Awaitable[None]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("America/New_York")


def mute_end(command: MuteCommand, now: datetime, timezone: str) -> datetime:
    """When a mute ends: the next local ``until``, ``now`` + minutes, or the next local midnight."""
    if command.for_minutes is not None:
        return now + timedelta(minutes=command.for_minutes)
    local = now.astimezone(_zone(timezone))
    if command.until is None:
        return datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), local.tzinfo)
    end = datetime.combine(local.date(), command.until, local.tzinfo)
    return end if end > local else end + timedelta(days=1)


async def _nothing(user_id: str) -> None:
    return None


class Conversation:
    """Parses and acts; ``on_change(user_id)`` runs after a change the notifier must see."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        parser: CommandParser,
        desk: TradeDesk,
        config: NotifyConfig | None = None,
        clock: Callable[[], datetime] = _utcnow,
        on_change: OnChange = _nothing,
    ) -> None:
        self._sessions = sessions
        self._parser = parser
        self._desk = desk
        self._config = config or NotifyConfig()
        self._clock = clock
        self._on_change = on_change

    async def handle(self, user: StoredUser, text: str) -> str:
        """The reply to ``text`` from ``user`` (verified, opted in)."""
        command = await self._parser.parse(text)
        await self._audit(user.id, "sms_command", {"text": text[:500], "command": command})
        return await self._act(user, command)

    async def _act(self, user: StoredUser, command: Command) -> str:
        uid = user.id
        match command:
            case OpenPositionCommand():
                trade = await self._desk.propose(user_id=uid, command=command)
                waiting = await self._waiting(uid)
                ids = [w.trade.trade_id if w.trade else None for w in waiting]
                if len(waiting) > 1 and trade.trade_id in ids:
                    n = ids.index(trade.trade_id) + 1
                    return f"Paper trade {n}: {trade_line(trade)}. Reply YES {n} or NO {n}."
                return f"Paper trade: {trade_line(trade)}. {ASK}"
            case CloseCommand(symbol=symbol):
                held = [p for p in await self._desk.positions(user_id=uid) if p.status == "open"]
                if not any(p.symbol == symbol for p in held):
                    return f"You have no open {symbol} position."
                return await self._hold(uid, {"kind": "close", "symbol": symbol})
            case KillSwitchCommand():
                held = [p for p in await self._desk.positions(user_id=uid) if p.status == "open"]
                if not held:
                    return "You have no open positions."
                await self._hold(uid, {"kind": "kill_switch", "symbol": None})
                return f"Paper trade: CLOSE ALL {len(held)} open positions. {ASK}"
            case ConfirmCommand(reference=ref) | CancelCommand(reference=ref):
                return await self._answer(uid, ref, isinstance(command, ConfirmCommand))
            case MoveStopCommand(symbol=symbol, stop_loss=stop):
                moved = await self._desk.move_stop(user_id=uid, symbol=symbol, stop_loss=stop)
                return (
                    f"You have no open {symbol} position."
                    if moved is None
                    else (f"Stop on {symbol} moved to {stop:.2f} (paper).")
                )
            case WatchCommand():
                return await self._watch(uid, command)
            case AlertsFilterCommand(alert_types=types):
                return await self._filter(uid, types)
            case MuteCommand():
                end = mute_end(command, self._clock(), user.timezone)
                await self._set(uid, muted_until=end)
                local = end.astimezone(_zone(user.timezone))
                return (
                    f"Texts muted until {local:%a %H:%M} {local.tzname()}. Text UNMUTE to resume."
                )
            case UnmuteCommand():
                await self._set(uid, muted_until=None)
                return "Texts are back on."
            case StatusCommand():
                return await self._status(uid)
            case HelpCommand():
                return help_text(self._config.help_contact)
        return "Sorry, I did not understand that. Text HELP for examples."

    async def _waiting(self, uid: str) -> list[Waiting]:
        trades = sorted(await self._desk.pending(user_id=uid), key=lambda t: t.trade_id)
        async with self._sessions() as session:
            state = await get_state(session, user_id=uid)
        actions = live_actions(state.pending_actions, self._clock())
        return [Waiting(trade=t) for t in trades] + [Waiting(action=a) for a in actions]

    async def _hold(self, uid: str, action: dict[str, str | None]) -> str:
        now = self._clock()
        expires = now + timedelta(seconds=self._config.confirm_ttl_seconds)
        async with self._sessions() as session, session.begin():
            state = await get_state(session, user_id=uid)
            kept = [
                a
                for a in live_actions(state.pending_actions, now)
                if (a["kind"], a.get("symbol")) != (action["kind"], action["symbol"])
            ]
            kept.append({**action, "expires_at": expires.isoformat()})
            await set_state(session, user_id=uid, pending_actions=kept)
        return f"Paper trade: {describe(Waiting(action=action))}. {ASK}"

    async def _answer(self, uid: str, reference: str | None, yes: bool) -> str:
        waiting = await self._waiting(uid)
        chosen = choose(waiting, reference)
        if chosen == "":
            return menu(waiting, "YES" if yes else "NO")
        if isinstance(chosen, str):
            return chosen
        replies = [await self._settle(uid, item, yes) for item in chosen]
        return " ".join(replies)

    async def _settle(self, uid: str, item: Waiting, yes: bool) -> str:
        if item.trade is not None:
            await self._desk.answer(user_id=uid, trade_id=item.trade.trade_id, confirmed=yes)
            done = "Confirmed" if yes else "Cancelled"
            return f"{done}: {trade_line(item.trade)} (paper)."
        assert item.action is not None
        async with self._sessions() as session, session.begin():
            state = await get_state(session, user_id=uid)
            rest = [a for a in state.pending_actions if a != item.action]
            await set_state(session, user_id=uid, pending_actions=rest)
        if not yes:
            return f"Cancelled: {describe(item)}."
        await self._audit(uid, "sms_confirmed", {"action": item.action})
        if item.action["kind"] == "kill_switch":
            closed = await self._desk.kill_switch(user_id=uid)
            return f"Closed {closed} positions (paper)."
        symbol = str(item.action["symbol"])
        closed_trade = await self._desk.close(user_id=uid, symbol=symbol)
        return (
            f"No open {symbol} position any more."
            if closed_trade is None
            else (f"Closed {symbol} (paper).")
        )

    async def _watch(self, uid: str, command: WatchCommand) -> str:
        bound = "min_price" if command.direction == "above" else "max_price"
        values = {
            "name": f"watch {command.symbol} {command.direction} {command.price:g}",
            "symbols": [command.symbol],
            bound: command.price,
            "channels": ["sms"],
        }
        async with self._sessions() as session, session.begin():
            await add_subscription(session, user_id=uid, values=values)
        await self._on_change(uid)
        side = "at or above" if command.direction == "above" else "at or below"
        return f"Watching {command.symbol}: you will get its alerts {side} {command.price:.2f}."

    async def _filter(self, uid: str, types: tuple[str, ...]) -> str:
        unknown = [t for t in types if t not in ALERT_TYPES]
        if unknown:
            return f"Unknown alert type {unknown[0]}. Types: {', '.join(ALERT_TYPES)}."
        await self._set(uid, alert_types=list(types) or None)
        if not types:
            return "You will get texts for every alert type again."
        return f"You will get texts for {', '.join(types)} only."

    async def _status(self, uid: str) -> str:
        trades = await self._desk.positions(user_id=uid)
        if not trades:
            return "No open positions or pending trades (paper)."
        lines = [
            f"{trade_line(t)}{' (waiting for YES)' if t.status != 'open' else ''}" for t in trades
        ]
        return "Paper positions: " + "; ".join(lines) + "."

    async def _set(self, uid: str, **values: object) -> None:
        async with self._sessions() as session, session.begin():
            await set_state(session, user_id=uid, **values)
            await audit(session, user_id=uid, action="sms_settings", details=dict(values))
        await self._on_change(uid)

    async def _audit(self, uid: str, action: str, details: dict[str, object]) -> None:
        command = details.get("command")
        if isinstance(command, BaseModel):
            details = {**details, "command": command.model_dump(mode="json")}
        async with self._sessions() as session, session.begin():
            await audit(session, user_id=uid, action=action, details=details)
