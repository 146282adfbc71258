"""API keys for scripts: ``ta_<prefix>_<secret>``, stored as prefix + SHA-256.

The prefix (12 hex characters) finds the row; the SHA-256 of the whole key,
compared in constant time, proves it. The key itself is shown once, when issued.
A key has 256 bits of randomness, so a fast unsalted hash is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

__all__ = ["NewApiKey", "hash_api_key", "key_matches", "new_api_key", "parse_prefix"]

_KEY_RE = re.compile(r"^ta_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A freshly issued key: ``key`` is returned to the admin once, the rest is stored."""

    key: str
    prefix: str
    key_hash: str


def hash_api_key(key: str) -> str:
    """Hex SHA-256 of the whole key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_api_key() -> NewApiKey:
    """A random key with its lookup prefix and hash."""
    prefix = secrets.token_hex(6)
    key = f"ta_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(key=key, prefix=prefix, key_hash=hash_api_key(key))


def parse_prefix(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    match = _KEY_RE.match(key)
    return match.group(1) if match else None


def key_matches(key: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented key with a stored hash."""
    return hmac.compare_digest(hash_api_key(key), stored_hash)
