"""Who is calling: an API key (``X-API-Key``), a bearer JWT, or nobody.

Tokens come in the ``Authorization: Bearer`` header; the streaming endpoints
also take ``?token=`` because browsers cannot set headers on WebSocket and
EventSource connections. A user row is created the first time a token's
``sub`` is seen (then remembered in a bounded in-memory set, so ordinary
requests cost no write). Lookups run on the service's own connection, before
anyone is known; the request's data queries then run as the caller (RLS).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from tradeassist.api.keys import hash_api_key, parse_prefix
from tradeassist.api.tokens import AUDIENCE, Identity, TokenVerifier
from tradeassist.errors import AuthError, ConflictError
from tradeassist.store.api_keys import find_api_key
from tradeassist.store.database import storage_errors
from tradeassist.store.users import get_or_create_user

__all__ = ["Authenticator"]


class Authenticator:
    """Turns a connection's credentials into an :class:`Identity`."""

    def __init__(
        self,
        verifier: TokenVerifier,
        sessions: async_sessionmaker[AsyncSession],
        *,
        database_url: str,
        remember_users: int = 50_000,
    ) -> None:
        self._verifier = verifier
        self._sessions = sessions
        self._url = database_url
        self._known: OrderedDict[str, None] = OrderedDict()
        self._remember = remember_users
        # Users being recorded now: a new user's first burst of requests waits for
        # one write instead of racing to make the same row (which once drained the pool).
        self._recording: dict[str, asyncio.Future[None]] = {}

    @property
    def verifier(self) -> TokenVerifier:
        return self._verifier

    async def authenticate(
        self, conn: HTTPConnection, *, allow_query_token: bool = False
    ) -> Identity | None:
        """The caller, None without credentials; ``AuthError`` for bad ones."""
        api_key = conn.headers.get("x-api-key")
        if api_key is not None:
            return await self._from_api_key(api_key.strip())
        token: str | None = None
        header = conn.headers.get("authorization")
        if header is not None:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise AuthError("the Authorization header must be 'Bearer <token>'")
            token = value.strip()
        elif allow_query_token:
            token = conn.query_params.get("token") or None
        if token is None:
            return None
        identity = await self._verifier.verify(token)
        await self._ensure_user(identity)
        return identity

    async def _ensure_user(self, identity: Identity) -> None:
        user_id = identity.user_id
        while True:
            if user_id in self._known:
                self._known.move_to_end(user_id)
                return
            pending = self._recording.get(user_id)
            if pending is not None:
                # Another request is recording this user: wait for it, then look again
                # (if it failed, this request tries itself and gets its own error).
                await asyncio.wait([pending])
                continue
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._recording[user_id] = done
            try:
                try:
                    await self._create(identity, with_contact=True)
                except ConflictError:
                    # The token's email or phone is another row's: still let its owner in.
                    await self._create(identity, with_contact=False)
                self._known[user_id] = None
                while len(self._known) > self._remember:
                    self._known.popitem(last=False)
                return
            finally:
                del self._recording[user_id]
                done.set_result(None)

    async def _create(self, identity: Identity, *, with_contact: bool) -> None:
        async with (
            storage_errors(self._url, "record the user"),
            self._sessions() as session,
            session.begin(),
        ):
            await get_or_create_user(
                session,
                user_id=identity.user_id,
                email=identity.email if with_contact else None,
                phone=identity.phone if with_contact else None,
                role=identity.role,
            )

    async def _from_api_key(self, key: str) -> Identity:
        if parse_prefix(key) is None:
            raise AuthError("malformed API key")
        async with (
            storage_errors(self._url, "check the API key"),
            self._sessions() as session,
            session.begin(),
        ):
            found = await find_api_key(session, hash_api_key(key))
        if found is None:
            raise AuthError("unknown or revoked API key")
        row, user = found
        claims = {
            "sub": user.id,
            "aud": AUDIENCE,
            "role": "authenticated",
            "app_metadata": {"role": user.role},
        }
        return Identity(
            user_id=user.id,
            role="admin" if user.role == "admin" else "user",
            email=user.email,
            phone=user.phone,
            api_key_id=row.id,
            claims=claims,
        )
