"""The Live protocol's text messages, checked against the official client's own code."""

from __future__ import annotations

import pytest
from databento.common import cram
from databento.live.gateway import AuthenticationRequest, parse_gateway_message

from tradeassist.feeds.databento import wire


def test_our_cram_response_is_the_one_the_official_client_computes() -> None:
    key = "db-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4o"
    challenge = wire.new_challenge()
    assert wire.cram_response(challenge, key) == cram.get_challenge_response(challenge, key)
    assert wire.cram_response(challenge, key).endswith("-" + key[-5:])


def test_control_lines_parse_both_ways() -> None:
    line = wire.control_line({"success": 1, "session_id": 42, "error": None})
    assert line == b"success=1|session_id=42\n"
    assert wire.parse_control(line) == {"success": "1", "session_id": "42"}
    request = AuthenticationRequest(auth="x-12345", dataset="EQUS.MINI")
    assert wire.parse_control(bytes(request))["dataset"] == "EQUS.MINI"
    greeting = parse_gateway_message(wire.control_line({"lsg_version": "1.0"}).decode())
    assert type(greeting).__name__ == "Greeting"


@pytest.mark.parametrize("bad", [b"no newline", b"novalue\n", b"\xff=1\n"])
def test_malformed_control_lines_are_refused(bad: bytes) -> None:
    with pytest.raises(ValueError):
        wire.parse_control(bad)
