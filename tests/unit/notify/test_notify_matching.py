"""Subscription matching and the per-user text budget, one rule at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notify_fakes import RecordingChannel, make_alert

from tradeassist.notify.budget import TextBudget
from tradeassist.notify.budget_store import MemoryBudgetStore
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.core import NotifierCore
from tradeassist.notify.matching import (
    AlertFacts,
    QuietHours,
    SubscriptionIndex,
    SubscriptionSpec,
    UserSpec,
)
from tradeassist.notify.model import HeldText

T0 = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # 10:30 in New York (EDT)
PHONE = "+14155550100"


def sub(sub_id: int, user: str = "u1", **fields: object) -> SubscriptionSpec:
    channels = fields.pop("channels", frozenset({"sms", "websocket"}))
    return SubscriptionSpec(id=sub_id, user_id=user, channels=channels, **fields)  # type: ignore[arg-type]


def texting_user(user_id: str = "u1", **fields: object) -> UserSpec:
    return UserSpec(id=user_id, phone=PHONE, sms_ok=True, **fields)  # type: ignore[arg-type]


def facts(**fields: object) -> AlertFacts:
    base: dict[str, object] = {
        "alert_type": "gap_up",
        "symbol": "AAPL",
        "price": 100.0,
        "abs_pct": 4.0,
    }
    base.update(fields)
    return AlertFacts(**base)  # type: ignore[arg-type]


def matched(index: SubscriptionIndex, at: datetime = T0, **fields: object) -> set[int]:
    return {s.id for m in index.match(facts(**fields), at).values() for s in m.subscriptions}


def test_filters_on_type_symbol_price_and_move() -> None:
    index = SubscriptionIndex(
        [
            sub(1, alert_types=frozenset({"gap_up"})),
            sub(2, symbols=frozenset({"TSLA"})),
            sub(3, min_price=50.0, max_price=150.0),
            sub(4, min_pct_move=5.0),
            sub(5),
        ],
        [texting_user()],
    )

    assert matched(index) == {1, 3, 5}
    assert matched(index, symbol="TSLA", alert_type="volume_spike") == {2, 3, 5}
    assert matched(index, price=200.0, abs_pct=6.0) == {1, 4, 5}
    assert matched(index, abs_pct=None) == {1, 3, 5}


def test_quiet_hours_are_in_the_users_own_time_zone_and_may_wrap_midnight() -> None:
    index = SubscriptionIndex(
        [
            sub(1, "ny", quiet=QuietHours(10 * 60, 11 * 60)),
            sub(2, "tokyo", quiet=QuietHours(22 * 60, 7 * 60)),
        ],
        [texting_user("ny"), texting_user("tokyo", timezone="Asia/Tokyo")],
    )

    # 14:30 UTC is 10:30 in New York (quiet) and 23:30 in Tokyo (quiet, past midnight rule).
    assert matched(index, T0) == set()
    # 16:30 UTC: 12:30 in New York, 01:30 in Tokyo (still quiet).
    assert matched(index, T0 + timedelta(hours=2)) == {1}
    # 23:00 UTC: 08:00 in Tokyo, after its quiet hours.
    assert matched(index, T0 + timedelta(hours=8, minutes=30)) == {1, 2}


async def test_a_user_matching_twice_gets_one_notice_per_channel() -> None:
    websocket = RecordingChannel("websocket")
    core = NotifierCore(
        channels=[websocket],
        index=SubscriptionIndex(
            [sub(1, channels=frozenset({"websocket"})), sub(2, channels=frozenset({"websocket"}))],
            [texting_user()],
        ),
    )

    await core.notify(make_alert(7), at=T0)

    assert len(websocket.notices) == 1
    assert {s.id for s in websocket.notices[0].subscriptions} == {1, 2}


async def test_texts_respect_consent_mute_and_the_users_type_filter() -> None:
    sms = RecordingChannel("sms")
    users = [
        texting_user("ok"),
        UserSpec(id="unverified", phone=PHONE, sms_ok=False),
        texting_user("muted", muted_until=T0 + timedelta(minutes=5)),
        texting_user("filtered", sms_alert_types=frozenset({"volume_spike"})),
    ]
    index = SubscriptionIndex([sub(i, u.id) for i, u in enumerate(users, 1)], users)
    core = NotifierCore(channels=[sms], index=index)

    await core.notify(make_alert(1), at=T0)
    await core.notify(make_alert(2), at=T0 + timedelta(minutes=6))

    texted = [(n.user.id, n.alerts[0].id) for n in sms.notices]
    assert texted == [("ok", 1), ("ok", 2), ("muted", 2)]


async def test_a_busy_open_gives_a_few_texts_and_then_one_digest() -> None:
    sms = RecordingChannel("sms")
    config = NotifyConfig(sms_per_minute=3, digest_window_seconds=300)
    core = NotifierCore(
        channels=[sms], index=SubscriptionIndex([sub(1)], [texting_user()]), config=config
    )

    for i in range(200):
        await core.notify(make_alert(i), at=T0 + timedelta(seconds=i))
        await core.flush_digests(at=T0 + timedelta(seconds=i))

    assert [n.alerts[0].id for n in sms.notices] == [0, 1, 2]
    assert await core.held("u1") == 197

    assert await core.flush_digests(at=T0 + timedelta(seconds=303)) == 1

    digest = sms.notices[-1]
    assert len(sms.notices) == 4
    assert digest.digest and [a.id for a in digest.alerts] == list(range(3, 200))


async def test_the_digest_goes_out_when_the_window_has_passed() -> None:
    sms = RecordingChannel("sms")
    config = NotifyConfig(sms_per_minute=2, digest_window_seconds=60, digest_max_lines=2)
    core = NotifierCore(
        channels=[sms], index=SubscriptionIndex([sub(1)], [texting_user()]), config=config
    )
    for i in range(5):
        await core.notify(make_alert(i, symbol="NVDA"), at=T0 + timedelta(seconds=i))

    assert await core.flush_digests(at=T0 + timedelta(seconds=30)) == 0
    assert await core.flush_digests(at=T0 + timedelta(seconds=70)) == 1

    digest = sms.notices[-1]
    assert digest.digest and [a.id for a in digest.alerts] == [2, 3, 4]
    assert digest.text.startswith("TradeAssist digest, 3 alerts: NVDA gap up +4.0%")
    assert digest.text.endswith("+1 more")
    assert await core.held("u1") == 0


def test_budget_counts_a_sliding_minute() -> None:
    budget: TextBudget[int] = TextBudget(per_minute=2, digest_window_seconds=600)

    assert budget.offer("u", 1, T0)
    assert budget.offer("u", 2, T0 + timedelta(seconds=30))
    assert not budget.offer("u", 3, T0 + timedelta(seconds=59))
    # Once something is held, later alerts join the digest even when the minute has room.
    assert not budget.offer("u", 4, T0 + timedelta(seconds=120))
    assert budget.held("u") == 2
    assert budget.due_digests(T0 + timedelta(seconds=59 + 600)) == [("u", [3, 4])]
    assert budget.offer("u", 5, T0 + timedelta(seconds=59 + 661))


async def test_an_opt_out_drops_what_was_held() -> None:
    sms = RecordingChannel("sms")
    config = NotifyConfig(sms_per_minute=1)
    core = NotifierCore(
        channels=[sms], index=SubscriptionIndex([sub(1)], [texting_user()]), config=config
    )
    await core.notify(make_alert(1), at=T0)
    await core.notify(make_alert(2), at=T0)
    assert await core.held("u1") == 1

    await core.replace_index(SubscriptionIndex([sub(1)], [UserSpec(id="u1", phone=PHONE)]))

    assert await core.held("u1") == 0


async def test_a_shared_digest_waits_for_a_notifier_that_knows_the_user() -> None:
    budget: MemoryBudgetStore[HeldText] = MemoryBudgetStore(TextBudget(1, 60))
    config = NotifyConfig(sms_per_minute=1, digest_window_seconds=60)
    sms = RecordingChannel("sms")
    knows = NotifierCore(
        channels=[sms],
        index=SubscriptionIndex([sub(1)], [texting_user()]),
        config=config,
        budget=budget,
    )
    stale = NotifierCore(channels=[sms], config=config, budget=budget)  # not reloaded yet
    await knows.notify(make_alert(1), at=T0)
    await knows.notify(make_alert(2), at=T0)

    later = T0 + timedelta(seconds=61)
    assert await stale.flush_digests(at=later) == 0
    assert await knows.flush_digests(at=later) == 1
    assert [a.id for a in sms.notices[-1].alerts] == [2]
