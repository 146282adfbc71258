"""1,000 users and 5,000 alerts: each user gets exactly what their subscriptions say.

The expectation is computed here independently, with a plain loop over every
user and subscription per alert (no index), its own quiet-hours arithmetic
and its own simulation of the text budget (at most N texts in any 60
seconds, the rest in a digest once the oldest held alert has waited the
window). The core's output must equal it, channel by channel. About ten
seconds on one core: marked slow.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from notify_fakes import RecordingChannel, make_alert

from tradeassist.domain.alerts import ALERT_TYPES
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.core import NotifierCore
from tradeassist.notify.matching import QuietHours, SubscriptionIndex, SubscriptionSpec, UserSpec
from tradeassist.notify.model import AlertRef

USERS, ALERTS, SYMBOLS = 1_000, 5_000, [f"S{i:03d}" for i in range(300)]
ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"]
OPEN = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # 09:00 New York
LIMIT, WINDOW = 3, 120.0


def build(rng: random.Random) -> tuple[list[UserSpec], list[SubscriptionSpec], list[AlertRef]]:
    users, subs = [], []
    for u in range(USERS):
        user = UserSpec(
            id=f"user-{u}",
            timezone=rng.choice(ZONES),
            phone=f"+1415555{u:04d}",
            sms_ok=rng.random() < 0.85,
            muted_until=OPEN + timedelta(minutes=rng.randrange(240))
            if rng.random() < 0.1
            else None,
            sms_alert_types=frozenset(rng.sample(ALERT_TYPES, 3)) if rng.random() < 0.1 else None,
        )
        users.append(user)
        for _ in range(rng.randint(1, 3)):
            start = rng.randrange(0, 24 * 60)
            subs.append(
                SubscriptionSpec(
                    id=len(subs) + 1,
                    user_id=user.id,
                    channels=frozenset(rng.sample(["sms", "websocket"], rng.randint(1, 2))),
                    alert_types=frozenset(rng.sample(ALERT_TYPES, rng.randint(1, 4)))
                    if rng.random() < 0.6
                    else None,
                    symbols=frozenset(rng.sample(SYMBOLS, rng.randint(1, 20)))
                    if rng.random() < 0.9
                    else None,
                    min_price=rng.choice([None, 5.0, 20.0]),
                    max_price=rng.choice([None, None, 300.0]),
                    min_pct_move=rng.choice([None, None, 3.0, 6.0]),
                    quiet=QuietHours(start, (start + rng.randrange(30, 600)) % 1440)
                    if rng.random() < 0.3
                    else None,
                )
            )
    alerts = []
    for i in range(ALERTS):
        at = OPEN + timedelta(seconds=i * 4 + rng.randrange(0, 4))  # 5,000 alerts in 5.5 hours
        pct = None if rng.random() < 0.2 else round(rng.uniform(-15, 15), 2)
        alerts.append(
            make_alert(
                i + 1,
                symbol=rng.choice(SYMBOLS[:60]) if rng.random() < 0.7 else rng.choice(SYMBOLS),
                alert_type=rng.choice(ALERT_TYPES),
                price=round(rng.uniform(1, 500), 2),
                pct=pct,
                at=at,
            )
        )
    return users, subs, alerts


def accepts(s: SubscriptionSpec, ref: AlertRef, minute: int) -> bool:
    """Every filter of the subscription, ``minute`` being the user's local minute of the day."""
    a = ref.alert
    if s.alert_types is not None and a.alert_type not in s.alert_types:
        return False
    if s.symbols is not None and a.symbol not in s.symbols:
        return False
    if s.min_price is not None and a.trigger_price < s.min_price:
        return False
    if s.max_price is not None and a.trigger_price > s.max_price:
        return False
    pct = a.conditions.get("pct_move")
    if s.min_pct_move is not None and (pct is None or abs(pct) < s.min_pct_move):
        return False
    if s.quiet is not None and s.quiet.start != s.quiet.end:
        start, end = s.quiet.start, s.quiet.end
        if start <= minute < end if start < end else (minute >= start or minute < end):
            return False
    return True


class Expectation:
    """What each user should receive, by a plain loop over every subscription per alert."""

    def __init__(self, users: list[UserSpec]) -> None:
        self.users = {u.id: u for u in users}
        self.pushed: dict[str, list[int]] = defaultdict(list)
        self.texted: dict[str, list[int]] = defaultdict(list)
        self.digests: dict[str, list[list[int]]] = defaultdict(list)
        self.sent_at: dict[str, list[datetime]] = defaultdict(list)
        self.held: dict[str, list[tuple[datetime, int]]] = {}

    def room(self, uid: str, at: datetime) -> bool:
        # Texts are sent in time order: only the last LIMIT can be within the minute.
        recent = [t for t in self.sent_at[uid][-LIMIT:] if t > at - timedelta(seconds=60)]
        return len(recent) < LIMIT

    def alert(self, ref: AlertRef, subs: list[SubscriptionSpec]) -> None:
        at = ref.alert.trigger_time
        minutes = {}
        for zone in ZONES:
            local = at.astimezone(ZoneInfo(zone))
            minutes[zone] = local.hour * 60 + local.minute
        hits: dict[str, list[SubscriptionSpec]] = defaultdict(list)
        for s in subs:
            if accepts(s, ref, minutes[self.users[s.user_id].timezone]):
                hits[s.user_id].append(s)
        for uid, matched in hits.items():
            user = self.users[uid]
            if any("websocket" in s.channels for s in matched):
                self.pushed[uid].append(ref.id or 0)
            muted = user.muted_until is not None and at < user.muted_until
            typed = user.sms_alert_types is None or ref.alert.alert_type in user.sms_alert_types
            if any("sms" in s.channels for s in matched) and user.sms_ok and not muted and typed:
                if uid not in self.held and self.room(uid, at):
                    self.sent_at[uid].append(at)
                    self.texted[uid].append(ref.id or 0)
                else:
                    self.held.setdefault(uid, []).append((at, ref.id or 0))

    def flush(self, at: datetime) -> None:
        for uid in list(self.held):
            waited = at - self.held[uid][0][0] >= timedelta(seconds=WINDOW)
            if waited and self.room(uid, at):
                self.sent_at[uid].append(at)
                self.digests[uid].append([i for _, i in self.held.pop(uid)])


@pytest.mark.slow
async def test_every_user_gets_exactly_what_their_subscriptions_say() -> None:
    users, subs, alerts = build(random.Random(20260310))
    sms, websocket = RecordingChannel("sms"), RecordingChannel("websocket")
    config = NotifyConfig(sms_per_minute=LIMIT, digest_window_seconds=WINDOW)
    core = NotifierCore(
        channels=[sms, websocket], index=SubscriptionIndex(subs, users), config=config
    )

    for ref in alerts:
        await core.notify(ref, at=ref.alert.trigger_time)
        await core.flush_digests(at=ref.alert.trigger_time)
    await core.flush_digests(at=alerts[-1].alert.trigger_time + timedelta(days=1))

    want = Expectation(users)
    for ref in alerts:
        want.alert(ref, subs)
        want.flush(ref.alert.trigger_time)
    want.flush(alerts[-1].alert.trigger_time + timedelta(days=1))
    pushed, texted, digests = defaultdict(list), defaultdict(list), defaultdict(list)
    for n in websocket.notices:
        pushed[n.user.id].append(n.alerts[0].id)
    for n in sms.notices:
        if n.digest:
            digests[n.user.id].append([a.id for a in n.alerts])
        else:
            texted[n.user.id].append(n.alerts[0].id)
    assert pushed == want.pushed
    assert texted == want.texted
    assert digests == want.digests
    # The scenario exercises every rule: many pushes, texts held back, digests sent.
    assert sum(map(len, pushed.values())) > 20_000
    assert sum(len(d) for ds in digests.values() for d in ds) > 1_000
    assert len(digests) > 50


@pytest.mark.slow
async def test_no_user_ever_gets_more_texts_a_minute_than_the_limit() -> None:
    users, subs, alerts = build(random.Random(7))
    sms = RecordingChannel("sms")
    config = NotifyConfig(sms_per_minute=LIMIT, digest_window_seconds=WINDOW)
    core = NotifierCore(channels=[sms], index=SubscriptionIndex(subs, users), config=config)
    times: dict[str, list[datetime]] = defaultdict(list)

    for ref in alerts[:2_000]:
        at = ref.alert.trigger_time
        before = len(sms.notices)
        await core.notify(ref, at=at)
        await core.flush_digests(at=at)
        for notice in sms.notices[before:]:
            times[notice.user.id].append(at)

    minute = timedelta(seconds=60)
    worst = max(sum(1 for u in ts if t - minute < u <= t) for ts in times.values() for t in ts)
    assert worst == LIMIT
