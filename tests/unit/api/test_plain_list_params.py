"""The short cut for ``GET /alerts``' common query agrees with the declared model."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from pydantic import ValidationError

from tradeassist.api.schemas.alerts import AlertListParams, plain_list_params

PLAIN = [
    b"",
    b"limit=100",
    b"limit=1&order=asc",
    b"limit=1000&order=desc",
    b"symbol=AAPL&alert_type=gap_up",
    b"symbol=aapl,%20msft,AAPL&alert_type=gap_up,HALT",
    b"symbol=BRK.B&limit=5&cursor=djE6ZGVzYzoxMDA",
]
UNUSUAL = [
    b"limit=0",
    b"limit=1001",
    b"limit=0100",
    b"limit=%2B5",
    b"limit=1e2",
    b"limit=",
    b"order=up",
    b"symbol=",
    b"symbol=AAPL&symbol=MSFT",
    b"symbol=%24%24%24",
    b"alert_type=gap-up",
    b"min_pct=2",
    b"since=2026-03-10T00:00:00Z",
    b"nonsense=1",
    b"cursor=" + b"x" * 201,
]


def _declared(query: bytes) -> AlertListParams | None:
    try:
        return AlertListParams.model_validate(dict(parse_qsl(query.decode("latin-1"))))
    except ValidationError:
        return None


@pytest.mark.parametrize("query", PLAIN)
def test_plain_queries_parse_as_the_model_does(query: bytes) -> None:
    parsed = plain_list_params(query)

    declared = _declared(query)
    assert parsed is not None and declared is not None
    assert parsed.model_dump() == declared.model_dump()
    assert parsed.to_filter() == declared.to_filter()


@pytest.mark.parametrize("query", UNUSUAL)
def test_anything_else_goes_through_the_model(query: bytes) -> None:
    assert plain_list_params(query) is None
