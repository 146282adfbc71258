"""The offline grammar: real-world phrasings into the command model, and it never raises."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    UnknownCommand,
    UnmuteCommand,
    WatchCommand,
    command_adapter,
)
from tradeassist.notify.parser.grammar import GrammarParser, parse_command


def buy(symbol: str, **fields: object) -> OpenPositionCommand:
    return OpenPositionCommand(side="long", symbol=symbol, **fields)  # type: ignore[arg-type]


def short(symbol: str, **fields: object) -> OpenPositionCommand:
    return OpenPositionCommand(side="short", symbol=symbol, **fields)  # type: ignore[arg-type]


PHRASINGS: list[tuple[str, Command]] = [
    # opening positions
    (
        "buy AAPL at 150 stop 148 target 155",
        buy("AAPL", limit_price=150, stop_loss=148, take_profit=155),
    ),
    (
        "buy AAPL at 150, stop 148, target 155",
        buy("AAPL", limit_price=150, stop_loss=148, take_profit=155),
    ),
    (
        "Buy aapl @ 150 sl 148 tp 155",
        buy("AAPL", limit_price=150, stop_loss=148, take_profit=155),
    ),
    (
        "buy 100 AAPL @ 150.25 stop loss 149 take profit 152",
        buy("AAPL", quantity=100, limit_price=150.25, stop_loss=149, take_profit=152),
    ),
    (
        "BUY 100 SHARES OF AAPL AT $150 STOP $148 TARGET $155",
        buy("AAPL", quantity=100, limit_price=150, stop_loss=148, take_profit=155),
    ),
    (
        "I want to buy 100 shares of AAPL at 150",
        buy("AAPL", quantity=100, limit_price=150),
    ),
    (
        "long 200 TSLA 250 sl 240 tp 270",
        buy("TSLA", quantity=200, limit_price=250, stop_loss=240, take_profit=270),
    ),
    ("go long nvda", buy("NVDA")),
    ("buy 1,000 F at 12.5", buy("F", quantity=1000, limit_price=12.5)),
    ("buy 1k F", buy("F", quantity=1000)),
    ("buy $AMD 160.5", buy("AMD", limit_price=160.5)),
    ("Buy ON at 50", buy("ON", limit_price=50)),
    ("buy BRK.B at 410 stop-loss 400", buy("BRK.B", limit_price=410, stop_loss=400)),
    ("buy AAPL 100 at 150", buy("AAPL", quantity=100, limit_price=150)),
    ("buy AAPL x100 @ 150", buy("AAPL", quantity=100, limit_price=150)),
    ("buy msft with a trailing stop of 2%", buy("MSFT", trailing_stop_pct=2)),
    ("buy AAPL trail 1.5 %", buy("AAPL", trailing_stop_pct=1.5)),
    ("bto SPY 450 s/l 445 t/p 460", buy("SPY", limit_price=450, stop_loss=445, take_profit=460)),
    (
        "buy AAPL limit 150 stop at 148 profit target 155",
        buy("AAPL", limit_price=150, stop_loss=148, take_profit=155),
    ),
    ("pls buy 50 amzn around 180", buy("AMZN", quantity=50, limit_price=180)),
    (
        "short TSLA at 250 stop 260 target 230",
        short("TSLA", limit_price=250, stop_loss=260, take_profit=230),
    ),
    ("sell short 50 TSLA @ 250", short("TSLA", quantity=50, limit_price=250)),
    ("go short on gme at 25 stop 27", short("GME", limit_price=25, stop_loss=27)),
    ("sell 100 TSLA at 250 stop 255", short("TSLA", quantity=100, limit_price=250, stop_loss=255)),
    # closing
    ("close TSLA", CloseCommand(symbol="TSLA")),
    ("Close tsla.", CloseCommand(symbol="TSLA")),
    ("close my TSLA position", CloseCommand(symbol="TSLA")),
    ("exit tsla", CloseCommand(symbol="TSLA")),
    ("get me out of TSLA", CloseCommand(symbol="TSLA")),
    ("sell TSLA", CloseCommand(symbol="TSLA")),
    ("cover gme", CloseCommand(symbol="GME")),
    ("flatten NVDA now", CloseCommand(symbol="NVDA")),
    ("close out $AAPL", CloseCommand(symbol="AAPL")),
    # kill switch
    ("close all", KillSwitchCommand()),
    ("CLOSE ALL", KillSwitchCommand()),
    ("close everything", KillSwitchCommand()),
    ("close all positions", KillSwitchCommand()),
    ("flatten everything", KillSwitchCommand()),
    ("sell everything", KillSwitchCommand()),
    ("kill switch", KillSwitchCommand()),
    ("panic", KillSwitchCommand()),
    # moving a stop
    ("move stop on AAPL to 149", MoveStopCommand(symbol="AAPL", stop_loss=149)),
    ("move my AAPL stop to 149.50", MoveStopCommand(symbol="AAPL", stop_loss=149.5)),
    ("raise stop on nvda to 905", MoveStopCommand(symbol="NVDA", stop_loss=905)),
    ("set stop for TSLA at 240", MoveStopCommand(symbol="TSLA", stop_loss=240)),
    ("AAPL stop 149", MoveStopCommand(symbol="AAPL", stop_loss=149)),
    ("change AAPL stop loss to $148.75", MoveStopCommand(symbol="AAPL", stop_loss=148.75)),
    # watching a price
    ("watch NVDA above 900", WatchCommand(symbol="NVDA", direction="above", price=900)),
    ("watch nvda over $900", WatchCommand(symbol="NVDA", direction="above", price=900)),
    (
        "alert me when NVDA goes above 900",
        WatchCommand(symbol="NVDA", direction="above", price=900),
    ),
    (
        "tell me if tsla drops below 200",
        WatchCommand(symbol="TSLA", direction="below", price=200),
    ),
    ("NVDA > 900", WatchCommand(symbol="NVDA", direction="above", price=900)),
    ("AMD < 150.5", WatchCommand(symbol="AMD", direction="below", price=150.5)),
    (
        "ping me when AAPL is higher than 200",
        WatchCommand(symbol="AAPL", direction="above", price=200),
    ),
    ("watch SPY under 440", WatchCommand(symbol="SPY", direction="below", price=440)),
    # which alerts
    ("alerts gap_up only", AlertsFilterCommand(alert_types=("gap_up",))),
    ("only gap ups", AlertsFilterCommand(alert_types=("gap_up",))),
    ("gap ups only", AlertsFilterCommand(alert_types=("gap_up",))),
    (
        "alerts: gap up and volume spikes",
        AlertsFilterCommand(alert_types=("gap_up", "volume_spike")),
    ),
    (
        "just HOD and VWAP reclaim",
        AlertsFilterCommand(alert_types=("new_high_of_day", "vwap_reclaim")),
    ),
    ("only gaps", AlertsFilterCommand(alert_types=("gap_up", "gap_down"))),
    ("only halts", AlertsFilterCommand(alert_types=("trading_halt",))),
    ("alerts all", AlertsFilterCommand(alert_types=())),
    ("all alerts", AlertsFilterCommand(alert_types=())),
    # muting
    ("mute until 2pm", MuteCommand(until=dt.time(14, 0))),
    ("mute till 2 pm", MuteCommand(until=dt.time(14, 0))),
    ("Mute until 14:00", MuteCommand(until=dt.time(14, 0))),
    ("snooze until 3:30", MuteCommand(until=dt.time(15, 30))),
    ("mute until 10am", MuteCommand(until=dt.time(10, 0))),
    ("quiet until noon", MuteCommand(until=dt.time(12, 0))),
    ("mute until the close", MuteCommand(until=dt.time(16, 0))),
    ("mute for 30 min", MuteCommand(for_minutes=30)),
    ("snooze 1h", MuteCommand(for_minutes=60)),
    ("mute for an hour", MuteCommand(for_minutes=60)),
    ("mute", MuteCommand()),
    ("mute until tomorrow", MuteCommand()),
    ("stop alerts", MuteCommand()),
    ("no more texts until 11am", MuteCommand(until=dt.time(11, 0))),
    ("unmute", UnmuteCommand()),
    ("alerts on", UnmuteCommand()),
    ("resume alerts", UnmuteCommand()),
    # status, help
    ("status", StatusCommand()),
    ("Status?", StatusCommand()),
    ("positions", StatusCommand()),
    ("what's my p&l", StatusCommand()),
    ("how am i doing", StatusCommand()),
    ("help", HelpCommand()),
    ("?", HelpCommand()),
    ("commands", HelpCommand()),
    # yes and no
    ("yes", ConfirmCommand()),
    ("YES", ConfirmCommand()),
    ("Yes!", ConfirmCommand()),
    ("y", ConfirmCommand()),
    ("yep do it", ConfirmCommand()),
    ("ok", ConfirmCommand()),
    ("yes 2", ConfirmCommand(reference="2")),
    ("YES AAPL", ConfirmCommand(reference="AAPL")),
    ("yes #2", ConfirmCommand(reference="2")),
    ("confirm aapl", ConfirmCommand(reference="AAPL")),
    ("yes both", ConfirmCommand(reference="all")),
    ("no", CancelCommand()),
    ("No thanks", CancelCommand()),
    ("nope", CancelCommand()),
    ("no 1", CancelCommand(reference="1")),
    ("cancel tsla", CancelCommand(reference="TSLA")),
    # not commands
    ("hello there", UnknownCommand(text="hello there")),
    ("", UnknownCommand(text="")),
    ("buy", UnknownCommand(text="buy")),
    ("buy AAPL at 0", UnknownCommand(text="buy AAPL at 0")),
    ("watch NVDA", UnknownCommand(text="watch NVDA")),
    ("close", UnknownCommand(text="close")),
]


def test_the_table_is_big_enough() -> None:
    assert len(PHRASINGS) >= 60


@pytest.mark.parametrize(
    ("text", "expected"), PHRASINGS, ids=[t or "<empty>" for t, _ in PHRASINGS]
)
def test_phrasing_parses_to_the_expected_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


async def test_the_parser_interface_gives_the_same_commands() -> None:
    assert await GrammarParser().parse("close TSLA") == CloseCommand(symbol="TSLA")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_and_always_returns_a_valid_command(text: str) -> None:
    command = parse_command(text)

    assert command_adapter.validate_python(command.model_dump()) == command


SALAD = (
    "buy sell short close all stop sl tp target at @ $ % above below watch mute until for "
    "yes no 2pm 14:00 150 148.5 1,000 0 -3 1e9 AAPL aapl $TSLA BRK.B x100 only gap_up , ."
)
WORDS = st.sampled_from(SALAD.split(" "))


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=12))
def test_never_raises_on_command_like_word_salad(words: list[str]) -> None:
    command = parse_command(" ".join(words))

    assert command_adapter.validate_python(command.model_dump()) == command
