"""Phone numbers in the SMS log show their country code and last digits only."""

from __future__ import annotations

import pytest

from tradeassist.api.schemas.outbox import mask_number


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
