"""How many billed segments a text is, as carriers count them.

GSM-7 texts fit 160 characters in one segment, 153 per segment once split
(the rest carries the concatenation header); characters of the GSM-7
extension table (``^{}[]~|€\\``) take two. Any character outside GSM-7 makes
the whole text UCS-2: 70 UTF-16 code units in one segment, 67 once split.
"""

from __future__ import annotations

__all__ = ["is_gsm7", "segments"]

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic or extension table."""
    return all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in text)


def segments(text: str) -> int:
    """The number of segments ``text`` is billed as (at least 1)."""
    if is_gsm7(text):
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)
