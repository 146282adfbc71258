"""Act as one user inside a transaction, the way Supabase's own API does.

On PostgreSQL, :func:`set_user` runs ``SET LOCAL ROLE authenticated`` and
puts the caller's JWT claims in ``request.jwt.claims`` with
``set_config(..., true)``, so the row-level-security policies (``user_id =
auth.uid()``) apply to every statement until the transaction ends. Both are
transaction-local: a pooled connection never carries one user's identity into
another's transaction, also behind a transaction pooler.

SQLite has no roles or policies: there it is a no-op, and the repository
functions filter by ``user_id`` themselves (they do on PostgreSQL too; the
policies are the second wall).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["AUTHENTICATED_ROLE", "as_user", "claims_for", "clear_user", "set_user"]

AUTHENTICATED_ROLE = "authenticated"


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def claims_for(user_id: str, claims: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The claims set for ``user_id``: the token's own, with ``sub`` forced to ``user_id``."""
    merged: dict[str, Any] = {"aud": AUTHENTICATED_ROLE, "role": AUTHENTICATED_ROLE}
    merged.update(claims or {})
    merged["sub"] = user_id
    return merged


async def set_user(
    session: AsyncSession, *, user_id: str, claims: Mapping[str, Any] | None = None
) -> None:
    """From now until the end of the session's current transaction, act as ``user_id``.

    Begins the transaction if none is open. ``claims`` are the verified JWT's
    claims (``sub`` is always ``user_id``).
    """
    if not _is_postgres(session):
        return
    payload = json.dumps(claims_for(user_id, claims), separators=(",", ":"), default=str)
    await session.execute(text(f"SET LOCAL ROLE {AUTHENTICATED_ROLE}"))
    await session.execute(
        text(
            "SELECT set_config('request.jwt.claims', :claims, true),"
            " set_config('request.jwt.claim.sub', :sub, true)"
        ),
        {"claims": payload, "sub": user_id},
    )


async def clear_user(session: AsyncSession) -> None:
    """Go back to the connection's own role for the rest of the transaction."""
    if not _is_postgres(session):
        return
    await session.execute(text("SET LOCAL ROLE NONE"))
    await session.execute(
        text(
            "SELECT set_config('request.jwt.claims', '', true),"
            " set_config('request.jwt.claim.sub', '', true)"
        )
    )


@asynccontextmanager
async def as_user(
    session: AsyncSession, *, user_id: str, claims: Mapping[str, Any] | None = None
) -> AsyncIterator[AsyncSession]:
    """``async with as_user(session, user_id=...)``: the block runs as that user.

    On leaving normally, the connection's own role is restored for the rest of
    the transaction; after an error the transaction is unusable anyway and its
    rollback ends the role.
    """
    await set_user(session, user_id=user_id, claims=claims)
    yield session
    await clear_user(session)
