"""API keys in the database: issue, find by hash, list and revoke.

Only the SHA-256 of a key is stored (:mod:`tradeassist.api.keys` makes keys);
``prefix`` lets people tell their keys apart. These functions run on the
service's own connection (not as a user): a key must be found before anyone
is known.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import ApiKeyRow, UserRow
from tradeassist.store.types import utcnow

__all__ = ["add_api_key", "find_api_key", "list_api_keys", "revoke_api_key"]


async def add_api_key(
    session: AsyncSession, *, user_id: str, name: str, prefix: str, key_hash: str
) -> ApiKeyRow:
    """Store a new key for ``user_id`` (flushed, so ``id`` and ``created_at`` are set)."""
    row = ApiKeyRow(user_id=user_id, name=name, prefix=prefix, key_hash=key_hash)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def find_api_key(
    session: AsyncSession, key_hash: str, *, now: datetime | None = None
) -> tuple[ApiKeyRow, UserRow] | None:
    """The live (not revoked) key with this hash and its owner; marks it used."""
    query = (
        select(ApiKeyRow, UserRow)
        .join(UserRow, UserRow.id == ApiKeyRow.user_id)
        .where(ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None))
    )
    found = (await session.execute(query)).first()
    if found is None:
        return None
    key, user = found
    stamp = now or utcnow()
    # Recorded at most once a minute per key, so a busy script does not write on every call.
    if key.last_used_at is None or (stamp - key.last_used_at).total_seconds() > 60:
        await session.execute(
            update(ApiKeyRow).where(ApiKeyRow.id == key.id).values(last_used_at=stamp)
        )
    return key, user


async def list_api_keys(session: AsyncSession, *, user_id: str | None = None) -> list[ApiKeyRow]:
    """Keys (of one user, or all), newest first."""
    query = select(ApiKeyRow).order_by(ApiKeyRow.id.desc())
    if user_id is not None:
        query = query.where(ApiKeyRow.user_id == user_id)
    return list((await session.scalars(query)).all())


async def revoke_api_key(session: AsyncSession, key_id: int) -> bool:
    """Revoke a key; False when there is no live key with that id."""
    result = await session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))
