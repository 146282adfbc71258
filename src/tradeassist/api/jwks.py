"""Public keys for asymmetric JWTs, from a JWKS file or URL.

Supabase projects with asymmetric signing keys publish them at
``/auth/v1/.well-known/jwks.json``; a key is chosen by the token's ``kid``.
A URL is fetched once, cached for ``ttl_seconds`` and refetched early when a
token names a key we do not know yet (key rotation), at most once per
``min_refresh_seconds`` so forged ``kid`` values cannot make us hammer the issuer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

from tradeassist.errors import AuthError, ConfigError

__all__ = ["JwksSource"]


class JwksSource:
    """Keys by ``kid`` from a JWKS document at ``location`` (http(s) URL or file path)."""

    def __init__(
        self,
        location: str,
        *,
        ttl_seconds: float = 600.0,
        min_refresh_seconds: float = 30.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._location = location
        self._is_url = location.startswith(("http://", "https://"))
        self._ttl = ttl_seconds
        self._min_refresh = min_refresh_seconds
        self._client = client
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None

    async def key(self, kid: str | None) -> PyJWK:
        """The key a token's header names; ``AuthError`` when there is none."""
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at > self._ttl
        unknown = kid not in self._keys if kid is not None else not self._keys
        may_refresh = self._fetched_at is None or now - self._fetched_at > self._min_refresh
        if stale or (unknown and may_refresh):
            await self._load()
        if kid is None:
            if len(self._keys) == 1:
                return next(iter(self._keys.values()))
            raise AuthError("token has no key id")
        found = self._keys.get(kid)
        if found is None:
            raise AuthError("token is signed with an unknown key")
        return found

    async def _load(self) -> None:
        text = await self._read()
        try:
            keyset = PyJWKSet.from_json(text)
        except (PyJWKSetError, json.JSONDecodeError, ValueError) as exc:
            raise ConfigError(f"JWKS at the configured location is unusable: {exc}") from None
        self._keys = {str(k.key_id): k for k in keyset.keys if k.key_id is not None}
        if not self._keys and keyset.keys:
            # A single key without a kid is still usable for tokens without one.
            self._keys = {"": keyset.keys[0]}
        self._fetched_at = self._clock()

    async def _read(self) -> str:
        if not self._is_url:
            path = Path(self._location.removeprefix("file://"))
            try:
                return await asyncio.to_thread(path.read_text, encoding="utf-8")
            except OSError:
                raise ConfigError("JWKS file cannot be read") from None
        client = self._client or httpx.AsyncClient(timeout=5.0)
        try:
            response = await client.get(self._location)
            response.raise_for_status()
            return response.text
        except httpx.HTTPError:
            raise AuthError("signing keys cannot be fetched right now") from None
        finally:
            if self._client is None:
                await client.aclose()
