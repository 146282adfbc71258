"""The SMS log (``sms_messages``): every text in and out, numbers masked."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradeassist.api.schemas.common import USER_ID
from tradeassist.store.tables import SmsMessageRow

__all__ = [
    "MessageListParams",
    "SmsMessagePublic",
    "SmsMessagesPublic",
    "UserMessageListParams",
    "mask_number",
    "shown_body",
]

#: The prefix of the sids the console outbox makes up (see ``notify/channels/console``).
CONSOLE_SID_PREFIX = "CONSOLE"
_MASK = "•"
# The one-time code in ``notify.texts.verification_text`` ("TradeAssist code: 123456 (valid").
_CODE = re.compile(r"(code: )\d{4,8}(?= \(valid)")


def mask_number(number: str) -> str:
    """A phone number with its middle hidden: ``+14155550100`` -> ``+1••••••0100``.

    The country code and the last four digits stay, which is enough to tell
    numbers apart in a log without showing whole numbers on a screen.
    """
    text = number.strip()
    short = len(text) < 8  # not a full number: show even less
    keep_head = 2 if text.startswith("+") and not short else 0
    keep_tail = min(2, len(text)) if short else 4
    hidden = len(text) - keep_head - keep_tail
    if hidden <= 0:
        return _MASK * len(text)
    return text[:keep_head] + _MASK * hidden + text[len(text) - keep_tail :]


def shown_body(body: str, *, console: bool) -> str:
    """The text as the log shows it: a sent one-time code is hidden.

    Whoever asks for a code sees the log of their own texts, so showing it
    would prove a number without its owner. The console outbox sends nothing
    (reading its codes is how the demo verifies a phone): shown there.
    """
    return body if console else _CODE.sub(lambda m: m.group(1) + _MASK * 6, body)


class SmsMessagePublic(BaseModel):
    """One text: ``in`` from a user's phone, or ``out`` to it; numbers masked."""

    id: int
    user_id: str | None = Field(description="The user it belongs to (None: an unknown number).")
    direction: Literal["in", "out"]
    status: str = Field(
        description="Twilio's status (queued, sent, delivered, failed, received ...) or ours: "
        "blocked (opted out or not verified), capped (daily cost cap), denied (unknown number)."
    )
    error_code: str | None
    from_number: str = Field(examples=["+1••••••0000"])
    to_number: str = Field(examples=["+1••••••0100"])
    body: str = Field(description="The text; a one-time code sent to a real phone is hidden.")
    console: bool = Field(
        description="Written to the console outbox instead of sent (no Twilio configured)."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: SmsMessageRow) -> SmsMessagePublic:
        console = (row.twilio_sid or "").startswith(CONSOLE_SID_PREFIX)
        return cls(
            id=row.id,
            user_id=row.user_id,
            direction="in" if row.direction == "in" else "out",
            status=row.status,
            error_code=row.error_code,
            from_number=mask_number(row.from_number),
            to_number=mask_number(row.to_number),
            body=shown_body(row.body, console=console),
            console=console,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class SmsMessagesPublic(BaseModel):
    """A page of texts, newest first; pass ``next_cursor`` back as ``cursor`` for older ones."""

    data: list[SmsMessagePublic]
    count: int
    next_cursor: str | None = None


class UserMessageListParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    direction: Literal["in", "out"] | None = None
    status: str | None = Field(default=None, pattern=r"^[a-z_]{1,24}$")
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=200)


class MessageListParams(UserMessageListParams):
    user_id: str | None = Field(default=None, pattern=USER_ID)
