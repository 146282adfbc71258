"""Words and tokens of the text-command grammar: canonical phrases, vocabulary, numbers, times.

Texting is terse and inconsistent ("stop-loss", "s/l", "SL"; "2 pm", "14:00";
"$AAPL", "aapl"), so text is first rewritten into canonical words (``sl``,
``tp``, ``trail``, ``gap_up`` ...), then split into tokens that keep their
original spelling: a word in capitals in a mixed-case text is taken as a
ticker even when it is also an English word ("buy ON at 50").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["VOCAB", "Token", "parse_clock", "parse_duration_minutes", "tokenize", "words"]

_S = r"[\s\-_]*"  # what may sit between the words of a phrase: nothing, spaces, - or _


def words(spelled: str) -> frozenset[str]:
    """The set of the space-separated words in ``spelled``."""
    return frozenset(spelled.split())


def _alts(*patterns: str) -> str:
    return "|".join(p.replace(" ", _S) for p in patterns)


# (pattern, replacement), applied in order, case-insensitively, before splitting.
# In patterns a space stands for any separator (see _S).
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"[‘’`]", "'"),
    (_alts(r"\bstop loss(?:es)?\b", r"\bs/l\b"), " sl "),
    (_alts(r"\btake profits?\b", r"\bprofit target\b", r"\bt/p\b", r"\bprice target\b"), " tp "),
    (_alts(r"\btrailing stop\b", r"\btrailing\b", r"\btrail\b"), " trail "),
    (_alts(r"\bsell short\b", r"\bshort sell\b", r"\b(?:go|get) short\b"), " short "),
    (_alts(r"\b(?:go|get) long\b"), " long "),
    (r"\b(?:get|take)\s+(?:me\s+)?out\s+of\b|\b(?:close|exit)\s+out(?:\s+of)?\b", " close "),
    (_alts(r"\bkill switch\b"), " killswitch "),
    (r"\b(?:turn\s+)?(?:alerts|texts)\s+(?:back\s+)?on\b", " unmute "),
    (r"\bturn\s+on\s+(?:alerts|texts)\b|\bresume\s+(?:alerts|texts)\b", " unmute "),
    (r"\b(?:turn\s+)?(?:alerts|texts)\s+off\b|\bturn\s+off\s+(?:alerts|texts)\b", " mute "),
    (r"\b(?:stop|pause|no)\s+(?:more\s+)?(?:alerts|texts|messages|notifications)\b", " mute "),
    (r"\bdo\s+not\s+disturb\b", " mute "),
    (r"\bp\s*&\s*l\b|\bp/l\b|\bpnl\b|\bhow\s+am\s+i\s+doing\b|\bwhat'?s\s+open\b", " status "),
    (r"\b(?:higher|more|greater)\s+than\b|>=?", " above "),
    (r"\b(?:lower|less)\s+than\b|<=?", " below "),
    (_alts(r"\bgap ups?\b"), " gap_up "),
    (_alts(r"\bgap downs?\b"), " gap_down "),
    (r"\bgaps\b|\bgappers\b", " gap_up gap_down "),
    (_alts(r"\bvol(?:ume)? spikes?\b", r"\brvol\b", r"\bunusual volume\b"), " volume_spike "),
    (
        _alts(r"\b(?:new )?highs? of (?:the )?day\b", r"\bnew highs?\b", r"\bhods?\b"),
        " new_high_of_day ",
    ),
    (
        _alts(r"\b(?:new )?lows? of (?:the )?day\b", r"\bnew lows?\b", r"\blods?\b"),
        " new_low_of_day ",
    ),
    (
        _alts(r"\bpre market highs?(?: breaks?)?\b", r"\bpmh(?: breaks?)?\b"),
        " premarket_high_break ",
    ),
    (_alts(r"\bopening range(?: break(?:out)?s?)?\b", r"\borbs?\b"), " opening_range_breakout "),
    (_alts(r"\bvwap reclaims?\b"), " vwap_reclaim "),
    (_alts(r"\bvwap loss(?:es)?\b", r"\blost vwap\b"), " vwap_loss "),
    (_alts(r"\b(?:trading )?halt(?:s|ed)?\b"), " trading_halt "),
    (_alts(r"\btrading resumes?\b", r"\bresumptions?\b", r"\bresumes\b"), " trading_resume "),
    (r"@", " at "),
    (r"(?<=\d),(?=\d{3}(?!\d))", ""),
    (r"\$(?=[\d.])", ""),
    (r"(?<=\d)\s+%", "%"),
    (r"(?<=\d)\s*(?:shares?|shs?)\b", " shares "),
    (r"\bx(?=\d)", " x "),
    (r"(?<=\d)\s+(a\.?m\.?|p\.?m\.?)(?=\s|$)", r"\1"),
    (r"'s\b", ""),
    (r"[,;!?()\[\]{}\"]", " "),
)
_COMPILED = tuple((re.compile(p, re.IGNORECASE), r) for p, r in _PHRASES)

#: Words that are never taken as a ticker unless written in capitals in a mixed-case text.
VOCAB = words(
    """
    a about above after again alert alerts all an and any are as at be below bto buy by can
    close closed confirm cover do does dont don't down drop drops dump entry enter every
    everything exit falls dips for from get go goes gets hit hits how i if in into is it its
    just kill killswitch let lets let's like limit lmt long market me mkt more move my new no
    not notify now of off ok okay on once only open or order out over panic please pls plz
    position positions price put quantity qty raise lower reaches rises set sell shares short
    sl so some status stop sto take target tell text than that the then this to tp trade trail
    trailing under until till til up update want watch when with would x yes you your
    change adjust modify tighten bump mute snooze silence quiet pause hush dnd unmute unsnooze
    unpause resume help commands menu info tgt pt flatten liquidate unload stc btc purchase
    around near approx alright yeah yep yup sure y n nope nah cancel reject decline abort
    thanks thank thx pos portfolio account summary both one them tomorrow today day rest noon
    midnight eod end hour hours hr hrs h min mins minute minutes m am pm crosses breaks tops
    exceeds clears climbs jumps pops rallies sinks slides loses trades moving trading
    ping remind track monitor show send give sold approve execute untill
    """
)


@dataclass(frozen=True, slots=True)
class Token:
    """One word: as written (``raw``), lower-cased (``low``), and its number if it is one.

    ``mixed_case`` is about the whole text: only in a text that has both small
    and capital letters do capitals single out a ticker.
    """

    raw: str
    low: str
    number: float | None = None
    integer: bool = False
    percent: bool = False
    mixed_case: bool = False


_NUMBER = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)(k)?(%)?$")


def _token(raw: str, mixed_case: bool) -> Token | None:
    word = raw.strip(".:'#=")
    if not word:
        return None
    low = word.lower()
    found = _NUMBER.match(low)
    if found is None:
        return Token(word, low, mixed_case=mixed_case)
    value = float(found.group(1)) * (1000 if found.group(2) else 1)
    integer = value.is_integer() and "." not in found.group(1)
    return Token(word, low, value, integer, found.group(3) is not None, mixed_case)


def tokenize(text: str) -> list[Token]:
    """The canonical tokens of ``text`` (empty for blank text)."""
    clean = unicodedata.normalize("NFKC", text)
    mixed = clean != clean.upper() and clean != clean.lower()
    for pattern, replacement in _COMPILED:
        clean = pattern.sub(replacement, clean)
    tokens = (_token(part, mixed) for part in clean.split())
    return [t for t in tokens if t is not None]


_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a|p|a\.m|p\.m)?$")
_MILITARY = re.compile(r"^([01]\d|2[0-3])([0-5]\d)$")
_NAMED = {"noon": dt.time(12), "open": dt.time(9, 30), "close": dt.time(16), "eod": dt.time(16)}


def parse_clock(word: str) -> dt.time | None:
    """A wall-clock time: ``2pm``, ``2:30p``, ``14:00``, ``1430``, ``noon``, ``close``.

    A bare hour from 1 to 7 is afternoon (a trader muting "until 3" means 15:00).
    """
    low = word.lower().rstrip(".")
    if low in _NAMED:
        return _NAMED[low]
    military = _MILITARY.match(low)
    if military:
        return dt.time(int(military.group(1)), int(military.group(2)))
    found = _CLOCK.match(low)
    if found is None:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    suffix = (found.group(3) or "").replace(".", "")
    if minute > 59 or hour > 23 or (suffix and not 1 <= hour <= 12):
        return None
    if suffix.startswith("p") and hour != 12:
        hour += 12
    elif suffix.startswith("a") and hour == 12:
        hour = 0
    elif not suffix and 1 <= hour <= 7:
        hour += 12
    return dt.time(hour, minute)


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(m|min|mins|minutes?|h|hr|hrs|hours?)$")
_UNITS = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1}


def parse_duration_minutes(words: list[str]) -> int | None:
    """Minutes in ``["30", "min"]``, ``["1h"]``, ``["an", "hour"]``, ``["half", "an", "hour"]``."""
    if words[:3] in (["half", "an", "hour"], ["half", "a", "hour"]) or words[:2] == [
        "half",
        "hour",
    ]:
        return 30
    if words[:2] in (["an", "hour"], ["a", "hour"]):
        return 60
    found = None
    for joined in ("".join(words[:1]).lower(), "".join(words[:2]).lower()):
        found = found or _DURATION.match(joined)
    if found is None:
        return None
    unit = found.group(2)
    minutes = float(found.group(1)) * (_UNITS.get(unit) or 60)
    return int(minutes) if minutes >= 1 else None
