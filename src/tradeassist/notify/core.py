"""The notifier core: each new alert, matched against every subscription, out through channels.

One core, thin channels (SMS, WebSocket push, outbound webhook, console): the
core decides who gets what; a channel only carries it. Rules the core owns:

- a subscription's filters and quiet hours (see :mod:`tradeassist.notify.matching`);
- one notice per user and channel, however many of their subscriptions match;
- SMS only to a verified, opted-in phone, never while the user has muted
  texts, only of the alert types the user texted for ("alerts gap_up only");
- at most ``sms_per_minute`` alert texts per user, the rest in one digest
  (:mod:`tradeassist.notify.budget`; kept in the process or, with Redis,
  shared by the replicas: :mod:`tradeassist.notify.budget_store`); WebSocket
  and webhooks get every alert.

The subscription index is replaced whole (:meth:`NotifierCore.replace_index`)
when subscriptions or users change; matching never touches the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tradeassist.domain.alerts import Alert
from tradeassist.notify.autotrade import side_of
from tradeassist.notify.budget import TextBudget
from tradeassist.notify.budget_store import BudgetStore, MemoryBudgetStore
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.matching import (
    AlertFacts,
    SubscriptionIndex,
    SubscriptionSpec,
    UserMatch,
)
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.model import AlertRef, Channel, HeldText, Notice, as_ref
from tradeassist.notify.texts import alert_text, digest_text
from tradeassist.store.alerts import StoredAlert

__all__ = ["DURABLE_CHANNELS", "Delivery", "NotifierCore", "NotifyOutcome"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifyOutcome:
    """What one alert caused: users matched, notices per channel, texts held for a digest."""

    users: int
    notices: dict[str, int]
    held: int


#: Channels whose deliveries leave this process, so the ledger records them.
DURABLE_CHANNELS = frozenset({"sms", "webhook", "trade"})


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notice planned for one channel; ``held``: an SMS waiting for the digest.

    ``target`` is the subscription for per-subscription channels (webhook,
    trade's first auto-trading subscription), else 0: with the alert, the
    user and the channel it is the ledger's key.
    """

    channel: str
    notice: Notice
    target: int = 0
    held: bool = False

    @property
    def alert_id(self) -> int | None:
        return self.notice.alerts[0].id

    @property
    def durable(self) -> bool:
        return self.channel in DURABLE_CHANNELS and self.alert_id is not None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _distinct(refs: Iterable[AlertRef]) -> tuple[AlertRef, ...]:
    """Each stored alert once: one held twice (recovered by two replicas) is listed once."""
    seen: set[int] = set()
    out: list[AlertRef] = []
    for ref in refs:
        if ref.id is not None:
            if ref.id in seen:
                continue
            seen.add(ref.id)
        out.append(ref)
    return tuple(out)


class NotifierCore:
    """Matches alerts to subscriptions and hands notices to the channels."""

    def __init__(
        self,
        *,
        channels: Iterable[Channel],
        index: SubscriptionIndex | None = None,
        config: NotifyConfig | None = None,
        metrics: NotifyMetrics | None = None,
        clock: Callable[[], datetime] = _utcnow,
        budget: BudgetStore[HeldText] | None = None,
    ) -> None:
        """``budget``: where texts are counted and held (default: in this process)."""
        self._config = config or NotifyConfig()
        self._channels = {channel.name: channel for channel in channels}
        self._index = index or SubscriptionIndex([], [])
        self._metrics = metrics
        self._clock = clock
        self._budget: BudgetStore[HeldText] = budget or MemoryBudgetStore(
            TextBudget(self._config.sms_per_minute, self._config.digest_window_seconds)
        )

    @property
    def index(self) -> SubscriptionIndex:
        return self._index

    async def replace_index(self, index: SubscriptionIndex) -> None:
        """Use new subscriptions and users from now on (digests in progress are kept)."""
        self._index = index
        for user_id in await self._budget.users():
            user = index.users.get(user_id)
            if user is None or not user.sms_ok:
                await self._budget.forget(user_id)  # opted out or gone: held texts are dropped

    async def notify(
        self, alert: AlertRef | StoredAlert | Alert, *, at: datetime | None = None
    ) -> NotifyOutcome:
        """Match one alert and hand its notices to the channels; ``at`` defaults to now."""
        deliveries, outcome = await self.plan(alert, at=at)
        for delivery in deliveries:
            if not delivery.held:
                await self.send(delivery)
        return outcome

    async def plan(
        self,
        alert: AlertRef | StoredAlert | Alert,
        *,
        at: datetime | None = None,
        ledger: bool = False,
    ) -> tuple[list[Delivery], NotifyOutcome]:
        """Match one alert: what each channel should get (texts over budget are ``held``).

        ``ledger``: the caller records the durable deliveries before sending
        them, so the SMS queue claims each text from the ledger.
        """
        ref = as_ref(alert)
        when = at or self._clock()
        a = ref.alert
        facts = AlertFacts.of(a.alert_type, a.symbol, a.trigger_price, a.conditions)
        matches = self._index.match(facts, when)
        counts: dict[str, int] = {}
        held = 0
        texts: dict[str, str] = {}  # one text per time zone, not per user
        out: list[Delivery] = []
        texting = await self._offer_texts(matches.values(), HeldText(ref, ledger), when)
        for match in matches.values():
            for name in self._channels:
                if name == "trade":  # auto-trades: only alerts with a side to take
                    if side_of(a.alert_type) is None:
                        continue
                    subs = tuple(s for s in match.subscriptions if s.auto_trade is not None)
                    if subs:
                        notice = Notice(match.user, (ref,), subs, "", ledger=ledger)
                        out.append(Delivery(name, notice, subs[0].id))
                        counts[name] = counts.get(name, 0) + 1
                    continue
                subs = self._subscriptions_for(match, name)
                if not subs:
                    continue
                if name == "webhook":  # one delivery (and ledger entry) per subscription
                    hooks = [s for s in subs if s.webhook_url]
                    for sub in hooks:
                        notice = Notice(match.user, (ref,), (sub,), "", ledger=ledger)
                        out.append(Delivery(name, notice, sub.id))
                    if hooks:
                        counts[name] = counts.get(name, 0) + 1
                    continue
                text = ""
                if name == "sms":
                    text_now = texting.get(match.user.id)
                    if text_now is None:  # muted, or not this type
                        continue
                    if not text_now:
                        held += 1
                        out.append(Delivery(name, Notice(match.user, (ref,), subs, ""), held=True))
                        continue
                    zone = match.user.timezone
                    text = texts.get(zone) or texts.setdefault(zone, alert_text(a, zone))
                out.append(Delivery(name, Notice(match.user, (ref,), subs, text, ledger=ledger)))
                counts[name] = counts.get(name, 0) + 1
        if self._metrics is not None:
            self._metrics.alerts.inc()
            self._metrics.held.inc(held)
        return out, NotifyOutcome(len(matches), counts, held)

    async def _offer_texts(
        self, matches: Iterable[UserMatch], item: HeldText, when: datetime
    ) -> dict[str, bool]:
        """Per user owed this alert's text: True to text it now, False to hold it."""
        if "sms" not in self._channels:
            return {}
        alert_type = item.ref.alert.alert_type
        users = [
            m.user.id
            for m in matches
            if self._subscriptions_for(m, "sms") and m.user.may_text(alert_type, when)
        ]
        if not users:
            return {}
        return dict(zip(users, await self._budget.offer_all(users, item, when), strict=True))

    async def send(self, delivery: Delivery) -> bool:
        """Hand one planned delivery to its channel; False when the channel failed."""
        channel = self._channels.get(delivery.channel)
        if channel is None or delivery.held:
            return False
        return await self._deliver(channel, delivery.notice)

    async def hold(self, user_id: str, ref: AlertRef, *, at: datetime | None = None) -> None:
        """Put a recorded, held text back into the user's digest (after a restart)."""
        await self._budget.hold(user_id, HeldText(ref, True), at or self._clock())

    @staticmethod
    def _subscriptions_for(match: UserMatch, channel: str) -> tuple[SubscriptionSpec, ...]:
        subs = match.subscriptions
        if len(subs) == 1:  # the common case, without building a generator
            return (subs[0],) if channel in subs[0].channels else ()
        return tuple(s for s in subs if channel in s.channels)

    async def flush_digests(self, *, at: datetime | None = None) -> int:
        """Send the digests that are due; returns how many were sent."""
        when = at or self._clock()
        channel = self._channels.get("sms")
        sent = 0
        if channel is None:
            return 0
        users = self._index.users
        # Only users this notifier knows: another replica's newer subscriber is left
        # to that replica (with a shared budget), not taken and dropped here.
        for user_id, items in await self._budget.due_digests(
            when, lambda uid: (u := users.get(uid)) is not None and u.sms_ok
        ):
            user = users[user_id]
            lines = self._config.digest_max_lines
            refs = _distinct(h.ref for h in items)
            text = digest_text([r.alert for r in refs], user.timezone, lines)
            ledger = any(h.ledger for h in items)
            notice = Notice(user, refs, (), text, digest=True, ledger=ledger)
            await self._deliver(channel, notice)
            sent += 1
        return sent

    async def held(self, user_id: str) -> int:
        """How many alert texts wait in the user's digest."""
        return await self._budget.held(user_id)

    async def aclose(self) -> None:
        """Release the budget's connections."""
        await self._budget.aclose()

    async def _deliver(self, channel: Channel, notice: Notice) -> bool:
        try:
            await channel.deliver(notice)
        except Exception:  # one user's failure must not stop everyone else's alerts
            _log.exception("channel %s failed for user %s", channel.name, notice.user.id)
            return False
        if self._metrics is not None:
            self._metrics.notices.labels(channel.name).inc()
        return True

    async def notify_many(
        self, alerts: Sequence[AlertRef | StoredAlert | Alert], *, at: datetime | None = None
    ) -> int:
        """Notify a batch in order; returns how many users were matched in all."""
        total = 0
        for alert in alerts:
            total += (await self.notify(alert, at=at)).users
        return total
