"""The ``sms`` channel: alert and digest texts into the durable SMS queue.

The core has already applied the user's consent, mute, type filter and rate
limit; the queue applies the daily cost caps and checks consent once more.
A notice from the delivery ledger is queued in the transaction that marks
it sent there, so a text is queued once however often it is retried.
"""

from __future__ import annotations

from tradeassist.notify.model import Notice
from tradeassist.notify.sms.outbox import SmsOutbox
from tradeassist.store.notify_deliveries import LedgerClaim

__all__ = ["SmsChannel"]


class SmsChannel:
    """Queues one text per notice to the user's verified phone."""

    name = "sms"

    def __init__(self, outbox: SmsOutbox) -> None:
        self._outbox = outbox

    async def deliver(self, notice: Notice) -> None:
        if notice.user.phone is None:
            return
        claim = None
        if notice.ledger:  # queued only if the ledger still owes it (once, across restarts)
            claim = LedgerClaim(
                alert_ids=tuple(r.id for r in notice.alerts if r.id is not None),
                user_id=notice.user.id,
                channel="sms",
                states=("held",) if notice.digest else ("pending",),
            )
        await self._outbox.enqueue(
            user_id=notice.user.id,
            to=notice.user.phone,
            body=notice.text,
            kind="digest" if notice.digest else "alert",
            claim=claim,
        )
