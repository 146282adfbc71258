"""What the SMS log hides: the middle of phone numbers, and one-time codes sent to phones."""

from __future__ import annotations

import pytest

from tradeassist.api.schemas.outbox import mask_number, shown_body
from tradeassist.notify.texts import verification_text


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+14155550123", "+1••••••0123"),
        ("4155550123", "••••••0123"),
        ("+4420", "•••20"),
        ("12345", "•••45"),
    ],
)
def test_numbers_keep_only_their_country_code_and_last_digits(number: str, masked: str) -> None:
    assert mask_number(number) == masked


def test_a_sent_one_time_code_is_hidden_but_a_console_one_is_shown() -> None:
    text = verification_text("482913", 10)  # the words the notifier really sends

    sent = shown_body(text, console=False)
    console = shown_body(text, console=True)

    assert "482913" not in sent and "code: ••••••" in sent
    assert console == text


def test_other_texts_are_shown_as_they_are() -> None:
    text = "TradeAssist: AAPL gap up +4.0% $101.25. Reply with a code: BUY to act."

    assert shown_body(text, console=False) == text
