"""The deterministic text-command grammar: always works, offline, and never raises.

The first command word of a text decides what it is ("buy", "close", "watch",
"move", "mute" ...); the words around it fill the command's fields: a ticker,
and numbers introduced by ``at``/``@``, ``stop``/``sl``, ``target``/``tp``,
``trail`` or ``shares``. A bare integer just before the ticker is a
quantity; other bare numbers are the entry price when one is missing. A
text with no command word is tried as a watch ("NVDA above 900"), a stop
move ("AAPL stop 149") or an alert filter ("gap ups only"). Anything else,
and anything whose values the command model rejects, is ``UnknownCommand``.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

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
    UnknownCommand,
    UnmuteCommand,
    WatchCommand,
)
from tradeassist.notify.parser.lexicon import (
    VOCAB,
    Token,
    parse_clock,
    parse_duration_minutes,
    tokenize,
    words,
)

__all__ = ["GrammarParser", "parse_command"]

YES = words("yes y yeah yep yup ok okay sure confirm confirmed approve go execute do")
NO = words("no n nope nah cancel reject decline abort don't dont")
_VERB_WORDS: dict[str, str] = {
    "long": "buy long purchase bto",
    "short": "short sto",
    "sell": "sell sold",
    "close": "close exit flatten cover liquidate dump unload stc btc",
    "kill": "killswitch kill panic",
    "stop": "move raise lower set change update adjust tighten bump modify",
    "watch": "watch notify tell ping remind track monitor",
    "alerts": "alert alerts only just",
    "mute": "mute snooze silence quiet pause hush dnd",
    "unmute": "unmute unsnooze unpause resume",
    "status": "status positions portfolio pos summary account",
    "help": "help commands menu ?",
}
_VERBS = {word: intent for intent, spelled in _VERB_WORDS.items() for word in words(spelled)}
_ALL = words("all everything every")
_SLOT_WORDS = {
    "price": "at limit lmt entry price for around near",
    "stop": "sl stop",
    "target": "tp target tgt pt",
    "trail": "trail",
    "qty": "qty quantity x",
}
_SLOTS = {word: slot for slot, spelled in _SLOT_WORDS.items() for word in words(spelled)}
_CONNECTORS = words("at of to = is by around near a the about approx on")
_UP = words("above over rises climbs jumps pops rallies tops exceeds clears breaks")
_DOWN = words("below under drops falls dips sinks slides loses")
_TYPES = frozenset(ALERT_TYPES)
_UNTIL = words("until till til untill to by")


def _is_ticker(token: Token, mixed_case: bool) -> bool:
    word = token.raw[1:] if token.raw.startswith("$") else token.raw
    if not word or not word[0].isalpha() or len(word) > 10 or token.number is not None:
        return False
    if not all(ch.isalnum() or ch in ".-" for ch in word) or token.low in _TYPES:
        return False
    if token.raw.startswith("$"):
        return True
    if mixed_case and word.isupper() and word.isalpha() and word != "I":
        return True
    return token.low not in VOCAB


def _symbol(tokens: list[Token], skip: set[int] | None = None) -> tuple[int, str] | None:
    """The ticker's index and symbol: a cashtag or capitals first, else the first non-word."""
    skip = skip or set()
    mixed = bool(tokens) and tokens[0].mixed_case
    strong = [
        i
        for i, t in enumerate(tokens)
        if i not in skip
        and (t.raw.startswith("$") or (mixed and t.raw.isupper()))
        and _is_ticker(t, mixed)
    ]
    weak = [i for i, t in enumerate(tokens) if i not in skip and _is_ticker(t, mixed)]
    picked = strong or weak
    if not picked:
        return None
    return picked[0], tokens[picked[0]].raw.lstrip("$").upper()


def _number_after(tokens: list[Token], start: int, used: set[int]) -> int | None:
    """Index of the number following ``start`` past connector words (at most 3 away)."""
    for j in range(start + 1, min(start + 5, len(tokens))):
        if j in used:
            return None
        if tokens[j].number is not None:
            return j
        if tokens[j].low not in _CONNECTORS:
            return None
    return None


def _slots(tokens: list[Token]) -> tuple[dict[str, Token], set[int]]:
    slots: dict[str, Token] = {}
    used: set[int] = set()
    for i, token in enumerate(tokens):
        if i in used:
            continue
        name = _SLOTS.get(token.low)
        j: int | None = None
        if token.number is not None and i + 1 < len(tokens) and tokens[i + 1].low == "shares":
            name, j = "qty", i
        elif name is not None:
            j = _number_after(tokens, i, used)
        if name is None or j is None or name in slots:
            continue
        slots[name] = tokens[j]
        used.update({i, j})
    return slots, used


def _open(side: str, tokens: list[Token]) -> Command | None:
    slots, used = _slots(tokens)
    found = _symbol(tokens, used)
    if found is None:
        return None
    at, symbol = found
    qty, price = slots.get("qty"), slots.get("price")
    stop, target = slots.get("stop"), slots.get("target")
    for i, token in enumerate(tokens):
        if i in used or token.number is None or token.percent:
            continue
        if qty is None and token.integer and i < at:
            qty = token  # "buy 100 AAPL"
        elif price is None:
            price = token  # "buy AAPL 150"
        elif qty is None and token.integer:
            qty = token  # "buy AAPL 100 at 150"
    trail = slots.get("trail")
    return OpenPositionCommand(
        side="long" if side == "long" else "short",
        symbol=symbol,
        quantity=None if qty is None else int(qty.number or 0),
        limit_price=None if price is None else price.number,
        stop_loss=None if stop is None else stop.number,
        take_profit=None if target is None else target.number,
        trailing_stop_pct=None if trail is None else trail.number,
    )


def _close(tokens: list[Token]) -> Command | None:
    if any(t.low in _ALL for t in tokens):
        return KillSwitchCommand()
    found = _symbol(tokens)
    return None if found is None else CloseCommand(symbol=found[1])


def _sell(tokens: list[Token]) -> Command | None:
    if any(t.low in _SLOTS or t.number is not None for t in tokens):
        return _open("short", tokens)
    return _close(tokens)


def _move_stop(tokens: list[Token]) -> Command | None:
    marks = [i for i, t in enumerate(tokens) if t.low in ("sl", "stop")]
    numbers = [i for i, t in enumerate(tokens) if t.number is not None and not t.percent]
    if not marks or not numbers or any(t.low == "trail" for t in tokens):
        return None
    after = [i for i in numbers if i > marks[0]]
    found = _symbol(tokens, set(numbers))
    if found is None:
        return None
    price = tokens[(after or numbers)[-1]].number
    return MoveStopCommand(symbol=found[1], stop_loss=price or 0)


def _watch(tokens: list[Token]) -> Command | None:
    for i, token in enumerate(tokens):
        direction = "above" if token.low in _UP else "below" if token.low in _DOWN else None
        j = None if direction is None else _number_after(tokens, i, set())
        if direction is None or j is None:
            continue
        found = _symbol(tokens, {j})
        if found is None:
            return None
        return WatchCommand(symbol=found[1], direction=direction, price=tokens[j].number or 0)
    return None


def _alerts(tokens: list[Token]) -> Command | None:
    types = tuple(dict.fromkeys(t.low for t in tokens if t.low in _TYPES))
    if types:
        return AlertsFilterCommand(alert_types=types)
    if any(t.low in _ALL for t in tokens):
        return AlertsFilterCommand(alert_types=())
    return _watch(tokens)


def _mute(tokens: list[Token]) -> Command | None:
    words = [t.low for t in tokens]
    for i, word in enumerate(words):
        if word == "for":
            minutes = parse_duration_minutes(words[i + 1 :])
            if minutes is not None:
                return MuteCommand(for_minutes=minutes)
        if word in _UNTIL or word == "at":
            rest = [w for w in words[i + 1 :] if w != "the"]
            if rest and rest[0] in ("tomorrow", "midnight"):
                return MuteCommand()
            clock = parse_clock(rest[0]) if rest else None
            if clock is not None:
                return MuteCommand(until=clock)
    for i in range(1, len(words)):
        minutes = parse_duration_minutes(words[i:])
        if minutes is not None:
            return MuteCommand(for_minutes=minutes)
    return MuteCommand()


def _reference(tokens: list[Token]) -> str | None:
    for token in tokens:
        if token.number is not None and token.integer:
            return str(int(token.number))
        if token.low in _ALL or token.low == "both":
            return "all"
    found = _symbol(tokens)
    return None if found is None else found[1]


_HANDLERS: dict[str, Callable[[list[Token]], Command | None]] = {
    "long": lambda ts: _open("long", ts),
    "short": lambda ts: _open("short", ts),
    "sell": _sell,
    "close": _close,
    "kill": lambda ts: KillSwitchCommand(),
    "stop": _move_stop,
    "watch": _watch,
    "alerts": _alerts,
    "mute": _mute,
    "unmute": lambda ts: UnmuteCommand(),
    "status": lambda ts: StatusCommand(),
    "help": lambda ts: HelpCommand(),
}


def _parse(text: str) -> Command | None:
    if text.strip() == "?":
        return HelpCommand()
    tokens = tokenize(text)
    if not tokens:
        return None
    first = tokens[0].low
    if len(tokens) <= 3 and first in YES:
        return ConfirmCommand(reference=_reference(tokens[1:]))
    if len(tokens) <= 4 and first in NO:
        return CancelCommand(reference=_reference(tokens[1:]))
    for token in tokens:
        intent = _VERBS.get(token.low)
        if intent is not None:
            command = _HANDLERS[intent](tokens)
            if command is not None:
                return command
            break
    for fallback in (_watch, _move_stop, _alerts):
        command = fallback(tokens)
        if command is not None:
            return command
    return None


def parse_command(text: str) -> Command:
    """The command ``text`` expresses; ``UnknownCommand`` when it expresses none. Never raises."""
    try:
        command = _parse(text)
    except (ValidationError, ValueError, ArithmeticError, IndexError, KeyError, TypeError):
        command = None
    return command if command is not None else UnknownCommand(text=str(text))


class GrammarParser:
    """The grammar behind the :class:`~tradeassist.notify.parser.CommandParser` interface."""

    async def parse(self, text: str) -> Command:
        return parse_command(text)
