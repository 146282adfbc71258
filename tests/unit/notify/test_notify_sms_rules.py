"""The small SMS rules: circuit breaker, segments, carrier keywords, phone numbers, wording."""

from __future__ import annotations

import pytest

from tradeassist.errors import InputError
from tradeassist.notify.channels.websocket import UserPushHub
from tradeassist.notify.sms.breaker import CircuitBreaker
from tradeassist.notify.sms.keywords import keyword_of
from tradeassist.notify.sms.phone import normalize_phone
from tradeassist.notify.sms.segments import segments
from tradeassist.notify.texts import help_text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_consecutive_failures_and_half_opens_later() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, reset_seconds=10, max_reset_seconds=40, clock=clock)
    for _ in range(2):
        breaker.failure()
    breaker.success()  # a success in between resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.failure()

    assert breaker.state == "open" and not breaker.allow()
    clock.now += 10
    assert breaker.state == "half_open"
    assert breaker.allow()  # one trial
    assert not breaker.allow()  # and only one
    breaker.failure()
    assert breaker.state == "open" and breaker.seconds_until_retry() == 20  # backed off
    clock.now += 20
    assert breaker.allow()
    breaker.success()
    assert breaker.state == "closed" and breaker.allow()


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),  # extension characters count twice
        ("{" * 81, 2),
        ("é" * 160, 1),  # é is GSM-7
        ("ś" * 70, 1),  # ś is not: UCS-2
        ("ś" * 71, 2),
        ("📈" * 35, 1),  # an emoji is two UTF-16 units
        ("📈" * 36, 2),
        ("", 1),
    ],
)
def test_segments_are_counted_as_carriers_bill_them(text: str, count: int) -> None:
    assert segments(text) == count


@pytest.mark.parametrize(
    ("text", "opted_out", "expected"),
    [
        ("STOP", False, ("opt_out", "STOP")),
        ("  stop. ", False, ("opt_out", "STOP")),
        ("Unsubscribe", False, ("opt_out", "UNSUBSCRIBE")),
        ("cancel", False, ("opt_out", "CANCEL")),
        ("end", False, ("opt_out", "END")),
        ("quit", False, ("opt_out", "QUIT")),
        ("stopall", False, ("opt_out", "STOPALL")),
        ("START", True, ("opt_in", "START")),
        ("unstop", True, ("opt_in", "UNSTOP")),
        ("yes", True, ("opt_in", "YES")),
        ("yes", False, None),  # confirms a trade instead
        ("help", False, ("help", "HELP")),
        ("INFO", True, ("help", "INFO")),
        ("stop at 148", False, None),
        ("cancel tsla", False, None),
    ],
)
def test_carrier_keywords_are_whole_messages(
    text: str, opted_out: bool, expected: tuple[str, str] | None
) -> None:
    assert keyword_of(text, opted_out=opted_out) == expected


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("+14155550123", "+14155550123"),
        ("(415) 555-0123", "+14155550123"),
        ("1 415 555 0123", "+14155550123"),
        ("+44 20 7946 0018", "+442079460018"),
        ("0044 20 7946 0018", "+442079460018"),
    ],
)
def test_phone_numbers_become_e164(text: str, e164: str) -> None:
    assert normalize_phone(text) == e164


@pytest.mark.parametrize("text", ["", "555-0123", "call me", "+0123456789", "+1234"])
def test_implausible_phone_numbers_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        normalize_phone(text)


def test_help_says_what_carriers_require() -> None:
    text = help_text("support@example.com")

    assert "STOP" in text and "rates may apply" in text and "support@example.com" in text
    assert "paper" in text


async def test_push_hub_reaches_every_connection_of_one_user_only() -> None:
    hub = UserPushHub(queue_size=2)
    async with hub.connect("a") as first, hub.connect("a") as second, hub.connect("b") as other:
        assert hub.publish("a", {"n": 1}) == 2
        assert await first.get() == {"n": 1}
        assert await second.get() == {"n": 1}
        for n in range(2, 5):
            hub.publish("a", {"n": n})
        assert await first.get() == {"n": 3}
        assert await first.get() == {"n": 4, "dropped": 1}  # a slow reader loses the oldest
        hub.publish("b", {"for": "b"})
        assert await other.get() == {"for": "b"}  # nothing of a's came first
    assert hub.connected("a") == 0
