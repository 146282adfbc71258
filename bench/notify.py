"""Benchmark of notifier matching: can it keep up with the screener at the open?

One command:  .venv/bin/python bench/notify.py [--users 5000] [--alerts 10000] [--seed 1]

Builds a synthetic population (93% watchlists of 5-50 symbols out of 9,000,
6% one to three alert types anywhere with a 5% move, 1% everything with an
8% move; quiet hours, price filters, SMS and WebSocket channels) and a burst
of alerts at the open (60% on the 500 most-watched symbols), then
measures in the same run:
  (a) the indexed matcher alone (``SubscriptionIndex.match``);
  (b) the whole core (``NotifierCore.notify``: matching, per-user channel
      choice, mute, text budget, notices to null channels);
  (c) the same matcher scanning every subscription per alert (the baseline
      the index replaces), on a tenth of the alerts, checked to match the same;
and prints alerts/s, alerts × users per second and the speed-up of (a) over
(c). Times are CPU seconds of this process (the machine may be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

from tradeassist.domain.alerts import ALERT_TYPES, Alert
from tradeassist.notify.core import NotifierCore
from tradeassist.notify.matching import (
    AlertFacts,
    QuietHours,
    SubscriptionIndex,
    SubscriptionSpec,
    UserSpec,
)
from tradeassist.notify.model import AlertRef, Notice

OPEN = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)


class NullChannel:
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    async def deliver(self, notice: Notice) -> None:
        self.count += 1


def population(rng: random.Random, users: int) -> tuple[list[UserSpec], list[SubscriptionSpec]]:
    symbols = [f"SYM{i:04d}" for i in range(9000)]
    popular = symbols[:500]
    people, subs = [], []
    for u in range(users):
        people.append(UserSpec(id=f"u{u}", phone=f"+1415{u:07d}", sms_ok=rng.random() < 0.8))
        for _ in range(rng.randint(1, 3)):
            kind = rng.random()
            watch = None
            types = None
            move = rng.choice([None, None, 3.0])
            if kind < 0.93:  # most people follow a watchlist
                pool = popular if rng.random() < 0.7 else symbols
                watch = frozenset(rng.sample(pool, rng.randint(5, 50)))
            elif kind < 0.99:  # some want one kind of setup anywhere, if it moves enough
                types = frozenset(rng.sample(ALERT_TYPES, rng.randint(1, 3)))
                move = 5.0
            else:  # a few want everything big
                move = 8.0
            start = rng.randrange(1440)
            subs.append(
                SubscriptionSpec(
                    id=len(subs) + 1,
                    user_id=f"u{u}",
                    channels=frozenset(rng.sample(["sms", "websocket"], rng.randint(1, 2))),
                    alert_types=types,
                    symbols=watch,
                    min_price=rng.choice([None, 1.0, 5.0]),
                    min_pct_move=move,
                    quiet=QuietHours(start, (start + 480) % 1440) if rng.random() < 0.3 else None,
                )
            )
    return people, subs


def burst(rng: random.Random, n: int) -> list[AlertRef]:
    out = []
    for i in range(n):
        symbol = f"SYM{rng.randrange(500) if rng.random() < 0.6 else rng.randrange(9000):04d}"
        at = OPEN + timedelta(milliseconds=i * 3)
        alert = Alert(
            symbol=symbol,
            alert_type=rng.choice(ALERT_TYPES),
            trigger_price=round(rng.uniform(1, 400), 2),
            trigger_time_ns=int(at.timestamp() * 1e9),
            trading_day="2026-03-10",
            level=str(i),
            conditions={"pct_move": round(rng.uniform(-12, 12), 2)},
        )
        out.append(AlertRef(alert, i + 1))
    return out


class ScanEverything(SubscriptionIndex):
    """The same matcher without the index: every subscription is a candidate for every alert."""

    def __init__(self, subscriptions: list[SubscriptionSpec], users: list[UserSpec]) -> None:
        super().__init__(subscriptions, users)
        self._all = subscriptions

    def candidates(self, facts: AlertFacts) -> list[SubscriptionSpec]:
        return self._all


def match_all(index: SubscriptionIndex, alerts: list[AlertRef]) -> tuple[int, float]:
    """(users matched in all, CPU seconds) of matching every alert."""
    started = time.process_time()
    matched = 0
    for ref in alerts:
        a = ref.alert
        facts = AlertFacts.of(a.alert_type, a.symbol, a.trigger_price, a.conditions)
        matched += len(index.match(facts, a.trigger_time))
    return matched, time.process_time() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--alerts", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    users, subs = population(rng, args.users)
    alerts = burst(rng, args.alerts)
    index = SubscriptionIndex(subs, users)
    print(f"{len(users):,} users, {len(subs):,} subscriptions, {len(alerts):,} alerts")

    matched, match_s = match_all(index, alerts)

    channels = [NullChannel("sms"), NullChannel("websocket")]
    core = NotifierCore(channels=channels, index=index)
    started = time.process_time()
    for ref in alerts:
        await core.notify(ref, at=ref.alert.trigger_time)
    core_s = time.process_time() - started

    sample = alerts[: max(1, len(alerts) // 10)]
    scan_matched, scan_s = match_all(ScanEverything(subs, users), sample)
    assert scan_matched == match_all(index, sample)[0], "the index must match what a scan does"
    naive_s = scan_s * len(alerts) / len(sample)

    pairs = len(alerts) * len(users)
    print(f"user matches: {matched:,} ({matched / len(alerts):.1f} users per alert)")
    held = sum([await core.held(u.id) for u in users])
    print(
        f"notices: sms {channels[0].count:,}, websocket {channels[1].count:,}, "
        f"texts held for digests {held:,}"
    )
    for label, seconds in (("index.match", match_s), ("core.notify", core_s)):
        print(
            f"{label:12s} {len(alerts) / seconds:10,.0f} alerts/s "
            f"{pairs / seconds / 1e6:10,.1f} M alerts x users /s "
            f"{len(alerts) / seconds * 60:12,.0f} alerts/min"
        )
    print(
        f"{'naive scan':12s} {len(alerts) / naive_s:10,.0f} alerts/s "
        f"{pairs / naive_s / 1e6:10,.1f} M alerts x users /s  (estimated from {len(sample):,})"
    )
    print(f"speed-up of the index over the scan: {naive_s / match_s:.1f}x (CPU seconds)")


if __name__ == "__main__":
    asyncio.run(main())
