"""The delivery ledger: what the notifier owes is written down before anything is sent.

Each batch of alerts goes through two steps:

1. :meth:`DeliveryLedger.record` matches the batch and, in one transaction,
   runs the feed's claim (the cursor's compare-and-set) and records every
   durable delivery (SMS, webhook, auto-trade) in ``notify_deliveries``
   under its unique key (alert, user, channel, target). A crash before the
   commit leaves the cursor where it was (the batch is handled again); after
   it, the ledger holds what is owed. Keys already recorded (a redelivered
   stream entry) are not returned, so they are not sent again from here.
2. :meth:`DeliveryLedger.send` hands the new deliveries on. A text is queued
   in the transaction that marks it sent (see
   :class:`~tradeassist.notify.sms.outbox.SmsOutbox`); webhooks are settled
   with their final attempt; auto-trades once proposed (the desk starts one
   workflow per alert and user). WebSocket pushes are live only, never
   recorded.

:meth:`DeliveryLedger.recover` sends what a crashed notifier recorded and
never sent: deliveries still pending after ``delivery_lease_seconds``, held
digest texts after the digest window too (they go back into the digest).
Every notifier runs it at start and then every lease, so whoever survives
finishes the work. The result: each (alert, user, channel) is texted once.

Finished rows are deleted after the retention (:mod:`tradeassist.notify.retention`),
only for alerts no feed can hand out again; alerts at or below the mark it
leaves are not recorded again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.bus.base import StoredAlert
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.core import Delivery, NotifierCore
from tradeassist.notify.model import AlertRef, Notice
from tradeassist.store import notify_deliveries as store
from tradeassist.store.alerts import get_alert
from tradeassist.store.notify_deliveries import DeliveryKey
from tradeassist.store.retention import pruned_through
from tradeassist.store.tables import NotifyDeliveryRow

__all__ = ["Claim", "DeliveryLedger", "key_of"]

_log = logging.getLogger(__name__)

#: Runs in the recording transaction first; False: the batch is someone else's (nothing recorded).
Claim = Callable[[AsyncSession], Awaitable[bool]]
_CHUNK = 2000


def _utcnow() -> datetime:
    return datetime.now(UTC)


def key_of(delivery: Delivery) -> DeliveryKey:
    """The ledger key of a durable delivery."""
    assert delivery.alert_id is not None
    return DeliveryKey(
        delivery.alert_id, delivery.notice.user.id, delivery.channel, delivery.target
    )


class DeliveryLedger:
    """Records, sends and recovers the notifier's deliveries; see the module docstring."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        core: NotifierCore,
        config: NotifyConfig | None = None,
        wall: Callable[[], datetime] = _utcnow,
        before_send: Callable[[Delivery], Awaitable[None]] | None = None,
    ) -> None:
        self._sessions = sessions
        self._core = core
        self._config = config or NotifyConfig()
        self._wall = wall  # real time: the ledger's rows are stamped by it
        self._reheld: set[DeliveryKey] = set()  # held texts already back in a digest
        self._before_send = before_send  # a test's crash point; nothing in production

    async def record(
        self, batch: Sequence[StoredAlert], *, claim: Claim | None = None
    ) -> list[Delivery] | None:
        """Match ``batch`` and record what it owes; the deliveries to send, None if not claimed.

        Alerts at or below the retention's mark owe nothing: their deliveries
        were made and their rows deleted (see :mod:`tradeassist.store.retention`).
        """
        async with self._sessions() as session:
            done = await pruned_through(session)
        planned: list[Delivery] = []
        for stored in (s for s in batch if s.id > done):
            planned.extend((await self._core.plan(stored, ledger=True))[0])
        rows = [
            (key_of(d), "held" if d.held else "pending", d.notice.text)
            for d in planned
            if d.durable
        ]
        new: set[DeliveryKey] = set()
        async with self._sessions() as session, session.begin():
            if claim is not None and not await claim(session):
                return None
            for start in range(0, len(rows), _CHUNK):
                new |= await store.record(session, rows[start : start + _CHUNK])
        return [d for d in planned if not d.durable or key_of(d) in new]

    async def send(self, deliveries: Sequence[Delivery]) -> None:
        """Hand recorded deliveries on; auto-trades are marked sent once proposed."""
        proposed: list[DeliveryKey] = []
        for delivery in deliveries:
            if delivery.held:
                continue
            if self._before_send is not None:
                await self._before_send(delivery)
            ok = await self._core.send(delivery)
            if ok and delivery.durable and delivery.channel == "trade":
                proposed.append(key_of(delivery))
        if proposed:
            async with self._sessions() as session, session.begin():
                await store.mark_sent(session, proposed, at=self._wall())

    async def recover(self) -> int:
        """Send what was recorded and left unsent longer than the lease; how many were found."""
        now = self._wall()
        lease = timedelta(seconds=self._config.delivery_lease_seconds)
        digest = timedelta(seconds=self._config.digest_window_seconds)
        async with self._sessions() as session:
            rows = await store.unsent(session, before=now - lease, limit=1000)
        rows = [r for r in rows if r.state == "pending" or r.created_at < now - lease - digest]
        if not rows:
            return 0
        alerts: dict[int, AlertRef | None] = {}
        settled: list[DeliveryKey] = []
        deliveries: list[Delivery] = []
        for row in rows:
            if row.alert_id not in alerts:
                async with self._sessions() as session:
                    found = await get_alert(session, alert_id=row.alert_id)
                alerts[row.alert_id] = None if found is None else AlertRef(found.alert, found.id)
            delivery = self._rebuild(row, alerts[row.alert_id])
            if delivery is None:  # the user, the subscription or the alert is gone: owed no more
                settled.append(DeliveryKey(row.alert_id, row.user_id, row.channel, row.target))
            elif delivery.held:
                key = DeliveryKey(row.alert_id, row.user_id, row.channel, row.target)
                if key not in self._reheld:
                    self._reheld.add(key)
                    await self._core.hold(row.user_id, delivery.notice.alerts[0])
            else:
                deliveries.append(delivery)
        _log.info("notifier recovers %d unsent deliveries", len(rows))
        if settled:
            async with self._sessions() as session, session.begin():
                await store.mark_sent(session, settled, at=now)
        await self.send(deliveries)
        return len(rows)

    def _rebuild(self, row: NotifyDeliveryRow, ref: AlertRef | None) -> Delivery | None:
        index = self._core.index
        user = index.users.get(row.user_id)
        if ref is None or user is None:
            return None
        if row.channel == "sms":
            notice = Notice(user, (ref,), (), row.body, ledger=True)
            return Delivery("sms", notice, held=row.state == "held")
        sub = index.by_id.get(row.target)
        if sub is None or sub.user_id != user.id:
            return None
        return Delivery(row.channel, Notice(user, (ref,), (sub,), "", ledger=True), row.target)
