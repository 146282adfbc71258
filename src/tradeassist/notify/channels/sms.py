"""The ``sms`` channel: alert and digest texts into the durable SMS queue.

The core has already applied the user's consent, mute, type filter and rate
limit; the queue applies the daily cost caps and checks consent once more.
"""

from __future__ import annotations

from tradeassist.notify.model import Notice
from tradeassist.notify.sms.outbox import SmsOutbox

__all__ = ["SmsChannel"]


class SmsChannel:
    """Queues one text per notice to the user's verified phone."""

    name = "sms"

    def __init__(self, outbox: SmsOutbox) -> None:
        self._outbox = outbox

    async def deliver(self, notice: Notice) -> None:
        if notice.user.phone is None:
            return
        await self._outbox.enqueue(
            user_id=notice.user.id,
            to=notice.user.phone,
            body=notice.text,
            kind="digest" if notice.digest else "alert",
        )
