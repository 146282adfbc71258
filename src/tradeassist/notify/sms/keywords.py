"""The keywords carriers and Twilio give a fixed meaning, whatever the app does with texts.

A keyword counts only when it is the whole text (case and surrounding spaces
or punctuation ignored), as Twilio matches them: "STOP" opts out, "stop at
148" does not. CANCEL is an opt-out keyword too, so cancelling a trade is
"NO". YES is an opt-in keyword only for someone who opted out; otherwise it
confirms a trade.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["HELP", "OPT_IN", "OPT_OUT", "Keyword", "keyword_of"]

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
OPT_IN = frozenset({"START", "UNSTOP", "YES"})
HELP = frozenset({"HELP", "INFO"})

Keyword = Literal["opt_out", "opt_in", "help"]


def keyword_of(text: str, *, opted_out: bool) -> tuple[Keyword, str] | None:
    """The keyword ``text`` is (its kind and the word), or None for an ordinary text."""
    word = text.strip().strip(".!?,;:'\"").strip().upper()
    if word in OPT_OUT:
        return "opt_out", word
    if word in HELP:
        return "help", word
    if word in OPT_IN and (word != "YES" or opted_out):
        return "opt_in", word
    return None
