"""Users as an admin sees them: the list, newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import UserRow
from tradeassist.store.users import StoredUser

__all__ = ["list_users"]


def _stored(row: UserRow) -> StoredUser:
    return StoredUser(
        id=row.id,
        email=row.email,
        phone=row.phone,
        role=row.role,
        timezone=row.timezone,
        created_at=row.created_at,
        phone_verified_at=row.phone_verified_at,
        sms_opt_in=row.sms_opt_in,
        sms_opted_out_at=row.sms_opted_out_at,
    )


async def list_users(session: AsyncSession, *, limit: int, offset: int = 0) -> list[StoredUser]:
    """Up to ``limit`` users after skipping ``offset``, newest first (ties by id)."""
    rows = await session.scalars(
        select(UserRow).order_by(UserRow.created_at.desc(), UserRow.id).limit(limit).offset(offset)
    )
    return [_stored(row) for row in rows.all()]
