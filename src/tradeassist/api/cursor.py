"""Opaque page cursors: the boundary id and the direction, base64url-encoded."""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from tradeassist.errors import InputError

__all__ = ["Order", "decode_cursor", "encode_cursor"]

Order = Literal["desc", "asc"]
_MAX_ID = 2**63 - 1


def encode_cursor(order: Order, last_id: int) -> str:
    """The cursor for the page after the one ending at ``last_id``."""
    return base64.urlsafe_b64encode(f"v1:{order}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: Order) -> int:
    """The boundary id of ``cursor``; ``InputError`` unless this API made it for ``order``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, made_for, raw_id = base64.urlsafe_b64decode(padded).decode().split(":")
        boundary = int(raw_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InputError("cursor is not one this API issued") from None
    if version != "v1" or not 0 <= boundary <= _MAX_ID:
        raise InputError("cursor is not one this API issued")
    if made_for != order:
        raise InputError(f"cursor was issued for order={made_for}, not order={order}")
    return boundary
