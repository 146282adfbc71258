"""Every outbound text goes through here: consent, paper notice, cost caps, storage, the queue.

Rules, in order:

1. Consent. Alerts, digests and replies go only to a user whose number is
   verified and who is opted in (not after a STOP). Verification codes go
   to the number being verified; keyword answers (STOP, START, HELP) to
   whoever sent the keyword: carriers require those.
2. The first text a user ever gets says plainly that trading is paper only.
3. Cost caps. Segments × price per segment, added to what the user (and
   everyone) was sent since midnight US/Eastern, must stay within the daily
   caps; otherwise the text is stored as ``capped`` and not sent. Keyword
   answers are exempt (they are owed).
4. Stored in ``sms_messages`` and, for the REST path, queued in
   ``sms_outbox`` for the sender; TwiML replies are stored as ``sent``,
   Twilio sends them with the webhook's answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.sms.segments import segments
from tradeassist.notify.texts import PAPER_NOTICE
from tradeassist.store import notify_deliveries as ledger
from tradeassist.store import outbox as queue
from tradeassist.store.notify_deliveries import LedgerClaim
from tradeassist.store.sms import record_outbound, spent_since
from tradeassist.store.sms_users import get_state, set_state
from tradeassist.store.users import get_user

__all__ = ["Kind", "OutboundText", "SmsOutbox", "day_start"]

#: alert, digest, reply: need consent; verification, notice: caps only; keyword: always sent.
Kind = Literal["alert", "digest", "reply", "verification", "notice", "keyword"]
_CONSENTED: frozenset[str] = frozenset({"alert", "digest", "reply"})
_EASTERN = ZoneInfo("America/New_York")


def day_start(now: datetime) -> datetime:
    """Midnight US/Eastern of ``now``'s Eastern date, as aware UTC (cost caps reset then)."""
    local = now.astimezone(_EASTERN)
    return datetime.combine(local.date(), time(0), tzinfo=_EASTERN).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class OutboundText:
    """The fate of one text: ``queued``/``sent`` (on its way), ``capped``, ``blocked``
    or ``duplicate`` (the delivery ledger no longer owes it: nothing stored)."""

    message_id: int | None
    status: str
    body: str
    segments: int

    @property
    def accepted(self) -> bool:
        return self.status in ("queued", "sent")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SmsOutbox:
    """Checks, stores and queues outbound texts; ``wake`` is set when the queue has work."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        from_number: str,
        config: NotifyConfig | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._sessions = sessions
        self._from = from_number
        self._config = config or NotifyConfig()
        self._clock = clock
        self._lock = asyncio.Lock()  # cap check and insert as one step within this process
        self.wake = asyncio.Event()

    async def enqueue(
        self,
        *,
        user_id: str | None,
        to: str,
        body: str,
        kind: Kind,
        claim: LedgerClaim | None = None,
    ) -> OutboundText:
        """Store the text and queue it for the sender (when consent and caps allow).

        With ``claim``, only if the delivery ledger still owes it: it is
        marked sent in the same transaction (else status ``duplicate``).
        """
        result = await self._store(
            user_id=user_id, to=to, body=body, kind=kind, queued=True, claim=claim
        )
        if result.status == "queued":
            self.wake.set()
        return result

    async def record_reply(
        self, *, user_id: str | None, to: str, body: str, kind: Kind, from_number: str
    ) -> OutboundText:
        """Store a reply that goes back in the webhook's TwiML answer (status ``sent``)."""
        return await self._store(
            user_id=user_id, to=to, body=body, kind=kind, queued=False, from_number=from_number
        )

    async def _store(
        self,
        *,
        user_id: str | None,
        to: str,
        body: str,
        kind: Kind,
        queued: bool,
        from_number: str | None = None,
        claim: LedgerClaim | None = None,
    ) -> OutboundText:
        now = self._clock()
        sender = from_number or self._from
        async with self._lock, self._sessions() as session, session.begin():
            if claim is not None and not await ledger.claim(session, claim, at=now):
                return OutboundText(None, "duplicate", body, 0)
            if kind in _CONSENTED and not await self._consented(session, user_id, to):
                return await self._refused(session, user_id, sender, to, body, "blocked", now)
            notice = await self._needs_notice(session, user_id)
            text = f"{body} {PAPER_NOTICE}" if notice else body
            count = segments(text)
            cost = round(count * self._config.cost_per_segment, 6)
            if kind != "keyword" and not await self._within_caps(session, user_id, cost, now):
                return await self._refused(session, user_id, sender, to, text, "capped", now)
            if notice and user_id is not None:
                await set_state(session, user_id=user_id, paper_notice_at=now)
            status = "queued" if queued else "sent"
            message_id = await record_outbound(
                session,
                user_id=user_id,
                from_number=sender,
                to_number=to,
                body=text,
                status=status,
                cost=cost,
                at=now,
            )
            if queued:
                await queue.enqueue(
                    session,
                    message_id=message_id,
                    user_id=user_id,
                    kind=kind,
                    segments=count,
                    due=now,
                )
            return OutboundText(message_id, status, text, count)

    async def _consented(self, session: AsyncSession, user_id: str | None, to: str) -> bool:
        if user_id is None:
            return False
        user = await get_user(session, user_id=user_id)
        return (
            user is not None
            and user.phone == to
            and user.phone_verified_at is not None
            and user.sms_opt_in
            and user.sms_opted_out_at is None
        )

    async def _needs_notice(self, session: AsyncSession, user_id: str | None) -> bool:
        if user_id is None:
            return False
        return (await get_state(session, user_id=user_id)).paper_notice_at is None

    async def _within_caps(
        self, session: AsyncSession, user_id: str | None, cost: float, now: datetime
    ) -> bool:
        since = day_start(now)
        total = await spent_since(session, since=since)
        if total + cost > self._config.daily_cap_total + 1e-9:
            return False
        if user_id is None:
            return True
        mine = await spent_since(session, since=since, user_id=user_id)
        return mine + cost <= self._config.daily_cap_per_user + 1e-9

    async def _refused(
        self,
        session: AsyncSession,
        user_id: str | None,
        sender: str,
        to: str,
        body: str,
        status: str,
        now: datetime,
    ) -> OutboundText:
        message_id = await record_outbound(
            session,
            user_id=user_id,
            from_number=sender,
            to_number=to,
            body=body,
            status=status,
            cost=0.0,
            at=now,
        )
        return OutboundText(message_id, status, body, segments(body))
