"""The notifier core: each new alert, matched against every subscription, out through channels.

One core, thin channels (SMS, WebSocket push, outbound webhook, console): the
core decides who gets what; a channel only carries it. Rules the core owns:

- a subscription's filters and quiet hours (see :mod:`tradeassist.notify.matching`);
- one notice per user and channel, however many of their subscriptions match;
- SMS only to a verified, opted-in phone, never while the user has muted
  texts, only of the alert types the user texted for ("alerts gap_up only");
- at most ``sms_per_minute`` alert texts per user, the rest in one digest
  (:mod:`tradeassist.notify.budget`); WebSocket and webhooks get every alert.

The subscription index is replaced whole (:meth:`NotifierCore.replace_index`)
when subscriptions or users change; matching never touches the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tradeassist.domain.alerts import Alert
from tradeassist.notify.budget import TextBudget
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.matching import (
    AlertFacts,
    SubscriptionIndex,
    SubscriptionSpec,
    UserMatch,
)
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.model import AlertRef, Channel, Notice, as_ref
from tradeassist.notify.texts import alert_text, digest_text
from tradeassist.store.alerts import StoredAlert

__all__ = ["NotifierCore", "NotifyOutcome"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifyOutcome:
    """What one alert caused: users matched, notices per channel, texts held for a digest."""

    users: int
    notices: dict[str, int]
    held: int


def _utcnow() -> datetime:
    return datetime.now(UTC)


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
    ) -> None:
        self._config = config or NotifyConfig()
        self._channels = {channel.name: channel for channel in channels}
        self._index = index or SubscriptionIndex([], [])
        self._metrics = metrics
        self._clock = clock
        self._budget: TextBudget[AlertRef] = TextBudget(
            self._config.sms_per_minute, self._config.digest_window_seconds
        )

    @property
    def index(self) -> SubscriptionIndex:
        return self._index

    def replace_index(self, index: SubscriptionIndex) -> None:
        """Use new subscriptions and users from now on (digests in progress are kept)."""
        self._index = index
        for user_id in self._budget.users():
            user = index.users.get(user_id)
            if user is None or not user.sms_ok:
                self._budget.forget(user_id)  # opted out or gone: held texts are dropped

    async def notify(
        self, alert: AlertRef | StoredAlert | Alert, *, at: datetime | None = None
    ) -> NotifyOutcome:
        """Match one alert and hand its notices to the channels; ``at`` defaults to now."""
        ref = as_ref(alert)
        when = at or self._clock()
        a = ref.alert
        facts = AlertFacts.of(a.alert_type, a.symbol, a.trigger_price, a.conditions)
        matches = self._index.match(facts, when)
        counts: dict[str, int] = {}
        held = 0
        texts: dict[str, str] = {}  # one text per time zone, not per user
        for match in matches.values():
            for name, channel in self._channels.items():
                subs = self._subscriptions_for(match, name)
                if not subs:
                    continue
                text = ""
                if name == "sms":
                    if not match.user.may_text(a.alert_type, when):
                        continue
                    if not self._budget.offer(match.user.id, ref, when):
                        held += 1
                        continue
                    zone = match.user.timezone
                    text = texts.get(zone) or texts.setdefault(zone, alert_text(a, zone))
                await self._deliver(channel, Notice(match.user, (ref,), subs, text))
                counts[name] = counts.get(name, 0) + 1
        if self._metrics is not None:
            self._metrics.alerts.inc()
            self._metrics.held.inc(held)
        return NotifyOutcome(len(matches), counts, held)

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
        for user_id, refs in self._budget.due_digests(when):
            user = self._index.users.get(user_id)
            if channel is None or user is None or not user.sms_ok:
                continue
            lines = self._config.digest_max_lines
            text = digest_text([r.alert for r in refs], user.timezone, lines)
            await self._deliver(channel, Notice(user, tuple(refs), (), text, digest=True))
            sent += 1
        return sent

    def held(self, user_id: str) -> int:
        """How many alert texts wait in the user's digest."""
        return self._budget.held(user_id)

    async def _deliver(self, channel: Channel, notice: Notice) -> None:
        try:
            await channel.deliver(notice)
        except Exception:  # one user's failure must not stop everyone else's alerts
            _log.exception("channel %s failed for user %s", channel.name, notice.user.id)
            return
        if self._metrics is not None:
            self._metrics.notices.labels(channel.name).inc()

    async def notify_many(
        self, alerts: Sequence[AlertRef | StoredAlert | Alert], *, at: datetime | None = None
    ) -> int:
        """Notify a batch in order; returns how many users were matched in all."""
        total = 0
        for alert in alerts:
            total += (await self.notify(alert, at=at)).users
        return total
