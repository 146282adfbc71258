"""One inbound text, from Twilio's webhook to the reply: idempotency, keywords, who may talk.

1. Stored first, keyed by ``MessageSid``: a redelivered webhook is recognised
   and answered with nothing (it was handled the first time).
2. Numbers that are not a user's verified phone are denied: one fixed reply
   (or none, ``unknown_number_reply=None``); HELP is always answered.
3. Carrier keywords (see :mod:`tradeassist.notify.sms.keywords`): STOP and its
   synonyms opt out, START/UNSTOP (and YES after a STOP) opt back in, HELP
   explains; each change is recorded with a timestamp and an audit entry.
4. After a STOP nothing else is answered; otherwise the conversation replies,
   to at most ``inbound_per_minute`` texts a minute per user (an auto-responder
   loop must not run up the bill).

Replies go back in the webhook's TwiML answer and are stored like every text.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.errors import TradeAssistError
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.conversation import Conversation
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.sms.keywords import keyword_of
from tradeassist.notify.sms.outbox import Kind, SmsOutbox
from tradeassist.notify.texts import START_REPLY, STOP_REPLY, UNVERIFIED_REPLY, help_text
from tradeassist.store.sms import insert_inbound
from tradeassist.store.sms_users import opt_in, opt_out
from tradeassist.store.users import StoredUser, find_user_by_phone

__all__ = ["InboundHandler", "InboundResult", "InboundSms"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InboundSms:
    """What Twilio posts about an inbound text (numbers in E.164)."""

    sid: str
    from_number: str
    to_number: str
    body: str


@dataclass(frozen=True, slots=True)
class InboundResult:
    """The reply to send back (None: none) and what happened, for metrics and tests."""

    reply: str | None
    outcome: str

    @property
    def duplicate(self) -> bool:
        return self.outcome == "duplicate"


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def _nothing(user_id: str) -> None:
    return None


class InboundHandler:
    """Handles inbound texts; ``on_change`` runs after an opt-in or opt-out."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        conversation: Conversation,
        outbox: SmsOutbox,
        config: NotifyConfig | None = None,
        metrics: NotifyMetrics | None = None,
        clock: Callable[[], datetime] = _utcnow,
        on_change: Callable[[str], Awaitable[None]] = _nothing,
    ) -> None:
        self._sessions = sessions
        self._conversation = conversation
        self._outbox = outbox
        self._config = config or NotifyConfig()
        self._metrics = metrics
        self._clock = clock
        self._on_change = on_change
        self._recent: dict[str, deque[datetime]] = {}

    async def handle(self, sms: InboundSms) -> InboundResult:
        """Store, decide, act; returns the reply (already stored) and the outcome."""
        async with self._sessions() as session, session.begin():
            user = await find_user_by_phone(session, phone=sms.from_number)
            stored = await insert_inbound(
                session,
                sid=sms.sid,
                user_id=None if user is None else user.id,
                from_number=sms.from_number,
                to_number=sms.to_number,
                body=sms.body,
            )
        if stored is None:
            return self._count(InboundResult(None, "duplicate"))
        if user is None or user.phone_verified_at is None:
            return self._count(await self._stranger(sms, user))
        return self._count(await self._member(sms, user))

    async def _stranger(self, sms: InboundSms, user: StoredUser | None) -> InboundResult:
        uid = None if user is None else user.id
        word = keyword_of(sms.body, opted_out=False)
        if word is not None and word[0] == "help":
            text = help_text(self._config.help_contact)
            return InboundResult(await self._reply(sms, uid, text, "keyword"), "help")
        denial = UNVERIFIED_REPLY if user is not None else self._config.unknown_number_reply
        if denial is None:
            return InboundResult(None, "denied")
        return InboundResult(await self._reply(sms, uid, denial, "notice"), "denied")

    async def _member(self, sms: InboundSms, user: StoredUser) -> InboundResult:
        opted_out = user.sms_opted_out_at is not None or not user.sms_opt_in
        word = keyword_of(sms.body, opted_out=opted_out)
        now = self._clock()
        if word is not None and word[0] in ("opt_out", "opt_in"):
            change = opt_out if word[0] == "opt_out" else opt_in
            async with self._sessions() as session, session.begin():
                await change(session, user_id=user.id, at=now, how=f"texted {word[1]}")
            await self._on_change(user.id)
            text = STOP_REPLY if word[0] == "opt_out" else START_REPLY
            return InboundResult(await self._reply(sms, user.id, text, "keyword"), word[0])
        if word is not None:
            text = help_text(self._config.help_contact)
            return InboundResult(await self._reply(sms, user.id, text, "keyword"), "help")
        if opted_out:
            return InboundResult(None, "opted_out")
        if self._flooding(user.id, now):
            return InboundResult(None, "rate_limited")  # stored, not answered
        try:
            answer = await self._conversation.handle(user, sms.body)
        except TradeAssistError as exc:  # one line meant for a person
            answer = f"Sorry: {exc.message}"
        except Exception:  # the text is stored: tell the user, never the traceback
            _log.exception("handling a text from user %s failed", user.id)
            answer = "Sorry, that did not work. Please try again in a minute."
        return InboundResult(await self._reply(sms, user.id, answer, "reply"), "command")

    def _flooding(self, user_id: str, now: datetime) -> bool:
        """True past ``inbound_per_minute`` texts in 60 s: stops a loop of costly replies."""
        recent = self._recent.setdefault(user_id, deque())
        while recent and recent[0] <= now - timedelta(seconds=60):
            recent.popleft()
        recent.append(now)
        return len(recent) > self._config.inbound_per_minute

    async def _reply(self, sms: InboundSms, uid: str | None, text: str, kind: Kind) -> str | None:
        sent = await self._outbox.record_reply(
            user_id=uid, to=sms.from_number, body=text, kind=kind, from_number=sms.to_number
        )
        return sent.body if sent.accepted else None

    def _count(self, result: InboundResult) -> InboundResult:
        if self._metrics is not None:
            self._metrics.inbound.labels(result.outcome).inc()
        return result
