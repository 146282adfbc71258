"""Which live sessions subscribe to trading status (halts) as well as MBP-1."""

from __future__ import annotations

import pytest

from tradeassist.feeds.databento.live import wants_status
from tradeassist.settings import load_settings


@pytest.mark.parametrize(
    ("dataset", "setting", "expected"),
    [
        ("XNAS.ITCH", "auto", True),  # its schemas include status
        ("EQUS.MINI", "auto", False),  # its schemas do not: the gateway would refuse it
        ("EQUS.MINI", "on", True),
        ("XNAS.ITCH", "off", False),
    ],
)
def test_status_is_subscribed_where_the_dataset_has_it_unless_told(
    dataset: str, setting: str, expected: bool
) -> None:
    assert wants_status(dataset, setting) is expected


def test_the_setting_defaults_to_auto() -> None:
    assert load_settings().databento_status == "auto"
