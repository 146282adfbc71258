"""The typed command model that every text a user sends is parsed into.

Both parsers (the offline grammar and Claude with tool use) produce exactly
these models, and the notifier and the trade workflow consume them. Prices are
dollars; quantities are shares; times are naive wall-clock times in the
user's time zone (the handler resolves them).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "AlertsFilterCommand",
    "CancelCommand",
    "CloseCommand",
    "Command",
    "ConfirmCommand",
    "HelpCommand",
    "KillSwitchCommand",
    "MoveStopCommand",
    "MuteCommand",
    "OpenPositionCommand",
    "StatusCommand",
    "UnknownCommand",
    "UnmuteCommand",
    "WatchCommand",
    "command_adapter",
    "needs_confirmation",
]

Symbol = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9.\-]{0,9}$")]
Price = Annotated[float, Field(gt=0, lt=1_000_000)]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OpenPositionCommand(_Command):
    """Open a paper position: "buy AAPL at 150, stop 148, target 155"."""

    kind: Literal["open"] = "open"
    side: Literal["long", "short"]
    symbol: Symbol
    quantity: Annotated[int, Field(gt=0, le=1_000_000)] | None = None
    limit_price: Price | None = None
    stop_loss: Price | None = None
    take_profit: Price | None = None
    trailing_stop_pct: Annotated[float, Field(gt=0, lt=100)] | None = None


class CloseCommand(_Command):
    """Close the position in one symbol: "close TSLA"."""

    kind: Literal["close"] = "close"
    symbol: Symbol


class KillSwitchCommand(_Command):
    """Close every open position and stop opening new ones today: "close all"."""

    kind: Literal["kill_switch"] = "kill_switch"


class MoveStopCommand(_Command):
    """Move the stop of an open position: "move stop on AAPL to 149"."""

    kind: Literal["move_stop"] = "move_stop"
    symbol: Symbol
    stop_loss: Price


class WatchCommand(_Command):
    """Alert when a price is crossed: "watch NVDA above 900"."""

    kind: Literal["watch"] = "watch"
    symbol: Symbol
    direction: Literal["above", "below"]
    price: Price


class AlertsFilterCommand(_Command):
    """Restrict which alert types are texted: "alerts gap_up only"; empty: every type again."""

    kind: Literal["alerts_filter"] = "alerts_filter"
    alert_types: tuple[str, ...]


class MuteCommand(_Command):
    """Send nothing until a time: "mute until 2pm", or for ``for_minutes`` ("mute for 30 min").

    With neither ``until`` nor ``for_minutes``, mutes for the rest of the day.
    """

    kind: Literal["mute"] = "mute"
    until: dt.time | None = None
    for_minutes: Annotated[int, Field(gt=0, le=10_080)] | None = None


class UnmuteCommand(_Command):
    kind: Literal["unmute"] = "unmute"


class StatusCommand(_Command):
    """Report open positions, pending confirmations and today's P&L."""

    kind: Literal["status"] = "status"


class HelpCommand(_Command):
    kind: Literal["help"] = "help"


class ConfirmCommand(_Command):
    """A YES; ``reference`` picks one of several pending trades (a symbol or a number)."""

    kind: Literal["confirm"] = "confirm"
    reference: str | None = None


class CancelCommand(_Command):
    """A NO to a pending confirmation."""

    kind: Literal["cancel"] = "cancel"
    reference: str | None = None


class UnknownCommand(_Command):
    """Text that no parser understood; ``text`` is kept for the reply and the audit trail."""

    kind: Literal["unknown"] = "unknown"
    text: str


Command = Annotated[
    OpenPositionCommand
    | CloseCommand
    | KillSwitchCommand
    | MoveStopCommand
    | WatchCommand
    | AlertsFilterCommand
    | MuteCommand
    | UnmuteCommand
    | StatusCommand
    | HelpCommand
    | ConfirmCommand
    | CancelCommand
    | UnknownCommand,
    Field(discriminator="kind"),
]

command_adapter: TypeAdapter[Command] = TypeAdapter(Command)


def needs_confirmation(command: Command) -> bool:
    """Whether the assistant must echo the command and wait for a YES before acting."""
    return isinstance(command, OpenPositionCommand | CloseCommand | KillSwitchCommand)
