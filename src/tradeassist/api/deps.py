"""FastAPI dependencies and their ``Annotated`` aliases (``SessionDep``, ``CurrentUser`` ...).

Every alias resolves from the app's :class:`~tradeassist.api.state.ApiState`
(built in the lifespan, kept on ``app.state``): no module-level singletons.
Resolving the caller also charges its rate-limit bucket (per API key, per
user, or per client IP for anonymous callers and failed credentials).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection, Request

from tradeassist.api.errors import ForbiddenError, RateLimitedError
from tradeassist.api.ratelimit import RateLimiter
from tradeassist.api.state import ApiState
from tradeassist.api.tokens import Identity
from tradeassist.errors import AuthError, NotConfiguredError
from tradeassist.store.database import storage_errors
from tradeassist.store.rls import set_user

__all__ = [
    "AdminUser",
    "AlertReader",
    "CallerDep",
    "CurrentUser",
    "SessionDep",
    "StateDep",
    "UserSessionDep",
    "api_state",
    "authorize_alert_read",
    "charge",
    "get_caller",
    "identify",
]

# Declared for the OpenAPI document (the "Authorize" button of /docs); parsing is ours.
_bearer = HTTPBearer(auto_error=False, description="A Supabase-style JWT.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An issued API key.")


def api_state(conn: HTTPConnection) -> ApiState:
    """The app's state; ``NotConfiguredError`` before the lifespan has built it."""
    state = getattr(conn.app.state, "api", None)
    if not isinstance(state, ApiState):
        raise NotConfiguredError("the API is not started")
    return state


async def get_state(conn: HTTPConnection) -> ApiState:
    return api_state(conn)


StateDep = Annotated[ApiState, Depends(get_state)]


def client_ip(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client is not None else "unknown"


def charge(state: ApiState, key: str) -> None:
    """Take one token from ``key``'s bucket; ``RateLimitedError`` (429) when it is empty."""
    wait = state.limiter.acquire(key)
    if wait > 0:
        state.metrics.rate_limited.inc()
        raise RateLimitedError(RateLimiter.retry_after_header(wait))


async def identify(
    conn: HTTPConnection, state: ApiState, *, allow_query_token: bool = False
) -> Identity | None:
    """The caller (None: anonymous), after charging its rate-limit bucket."""
    try:
        identity = await state.auth.authenticate(conn, allow_query_token=allow_query_token)
    except AuthError:
        # Failed credentials count against the IP, so guessing is rate limited too.
        charge(state, f"ip:{client_ip(conn)}")
        raise
    charge(state, identity.rate_key if identity is not None else f"ip:{client_ip(conn)}")
    return identity


async def get_caller(
    request: Request,
    state: StateDep,
    _bearer_doc: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _key_doc: Annotated[str | None, Depends(_api_key)],
) -> Identity | None:
    return await identify(request, state)


CallerDep = Annotated[Identity | None, Depends(get_caller)]


async def require_user(caller: CallerDep) -> Identity:
    if caller is None:
        raise AuthError("credentials required: a bearer token or an X-API-Key")
    return caller


CurrentUser = Annotated[Identity, Depends(require_user)]


async def require_admin(user: CurrentUser) -> Identity:
    if not user.is_admin:
        raise ForbiddenError("admin role required")
    return user


AdminUser = Annotated[Identity, Depends(require_admin)]


def _check_alert_reader(caller: Identity | None, state: ApiState) -> Identity | None:
    if caller is None and not state.settings.public_alerts:
        raise AuthError("credentials required to read alerts")
    return caller


async def alert_reader(caller: CallerDep, state: StateDep) -> Identity | None:
    return _check_alert_reader(caller, state)


async def authorize_alert_read(conn: HTTPConnection, state: ApiState) -> Identity | None:
    """``get_caller`` then ``alert_reader`` in one call, for routes that skip ``Depends``:
    the same checks, rate-limit charge and errors, in the same order."""
    return _check_alert_reader(await identify(conn, state), state)


AlertReader = Annotated[Identity | None, Depends(alert_reader)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """A session in a transaction on the service's own role (public data, admin work)."""
    async with (
        storage_errors(state.database_url, "query the database"),
        state.sessions() as session,
        session.begin(),
    ):
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_user_session(state: StateDep, user: CurrentUser) -> AsyncIterator[AsyncSession]:
    """A session whose transaction runs as the caller: row-level security applies (Postgres)."""
    async with (
        storage_errors(state.database_url, "query the database"),
        state.sessions() as session,
        session.begin(),
    ):
        await set_user(session, user_id=user.user_id, claims=user.claims)
        yield session


UserSessionDep = Annotated[AsyncSession, Depends(get_user_session, scope="function")]
