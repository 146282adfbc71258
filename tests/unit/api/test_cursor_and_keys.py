from __future__ import annotations

import pytest

from tradeassist.api.cursor import decode_cursor, encode_cursor
from tradeassist.api.keys import hash_api_key, key_matches, new_api_key, parse_prefix
from tradeassist.errors import InputError


def test_a_cursor_round_trips() -> None:
    assert decode_cursor(encode_cursor("desc", 123_456), "desc") == 123_456


@pytest.mark.parametrize("cursor", ["", "abc", "djE6ZGVzYzp4", "dj{}", "djI6ZGVzYzox"])
def test_a_cursor_this_api_did_not_make_is_refused(cursor: str) -> None:
    with pytest.raises(InputError, match="cursor"):
        decode_cursor(cursor, "desc")


def test_a_cursor_is_bound_to_its_order() -> None:
    with pytest.raises(InputError, match="order=desc"):
        decode_cursor(encode_cursor("desc", 5), "asc")


def test_a_new_api_key_is_stored_only_as_its_hash() -> None:
    made = new_api_key()

    assert parse_prefix(made.key) == made.prefix
    assert made.key not in made.key_hash
    assert key_matches(made.key, made.key_hash)
    assert made.key_hash == hash_api_key(made.key)
    assert not key_matches(made.key + "x", made.key_hash)


def test_malformed_keys_have_no_prefix() -> None:
    assert parse_prefix("ta_123_abc") is None
    assert parse_prefix("") is None
