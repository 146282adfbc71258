"""Phone numbers in E.164 form (``+14155550123``), the form Twilio sends and expects."""

from __future__ import annotations

import re

from tradeassist.errors import InputError

__all__ = ["normalize_phone"]

_SEPARATORS = re.compile(r"[\s().\-/]")


def normalize_phone(text: str) -> str:
    """``text`` as E.164; ten digits are taken as a US/Canada number.

    Raises ``InputError`` for anything that is not a plausible phone number.
    """
    raw = _SEPARATORS.sub("", text or "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    digits = raw[1:] if raw.startswith("+") else raw
    if not digits.isdigit():
        raise InputError("a phone number has digits only, like +14155550123")
    if raw.startswith("+"):
        number = digits
    elif len(digits) == 10:
        number = "1" + digits
    elif len(digits) == 11 and digits.startswith("1"):
        number = digits
    else:
        raise InputError("give the phone number in international form, like +14155550123")
    if not 8 <= len(number) <= 15 or number.startswith("0"):
        raise InputError("give the phone number in international form, like +14155550123")
    return "+" + number
