"""Users: created on first sight of their token (``sub`` is the id), read by id or phone.

Users are written by the service, not as the user: under row-level security
(:mod:`tradeassist.store.rls`) the ``authenticated`` role may only read its own
row, so call :func:`get_or_create_user` before switching to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.errors import ConflictError, InputError
from tradeassist.store.tables import UserRow
from tradeassist.store.upsert import insert_for

__all__ = ["ROLES", "StoredUser", "find_user_by_phone", "get_or_create_user", "get_user"]

ROLES = ("user", "admin")


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user as stored; ``phone`` in E.164 form, times aware UTC."""

    id: str
    email: str | None
    phone: str | None
    role: str
    timezone: str
    created_at: datetime
    phone_verified_at: datetime | None
    sms_opt_in: bool
    sms_opted_out_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


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


async def get_user(session: AsyncSession, *, user_id: str) -> StoredUser | None:
    """The user with this id, or ``None``."""
    row = await session.scalar(select(UserRow).where(UserRow.id == user_id))
    return None if row is None else _stored(row)


async def find_user_by_phone(session: AsyncSession, *, phone: str) -> StoredUser | None:
    """The user whose phone is ``phone`` (E.164), or ``None``."""
    row = await session.scalar(select(UserRow).where(UserRow.phone == phone))
    return None if row is None else _stored(row)


async def get_or_create_user(
    session: AsyncSession,
    *,
    user_id: str,
    email: str | None = None,
    phone: str | None = None,
    role: str = "user",
) -> StoredUser:
    """The user ``user_id``, created with these fields if it does not exist yet.

    An existing user is returned unchanged (its role is never raised this
    way). Safe under concurrency: two requests of a new user create one row.
    Raises ``ConflictError`` if the email or phone belongs to another user.
    """
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not user_id or len(user_id) > 36:
        raise InputError("a user id is 1 to 36 characters (the token's sub)")
    existing = await get_user(session, user_id=user_id)
    if existing is not None:
        return existing
    conn = await session.connection()
    table = UserRow.__table__
    stmt = insert_for(conn.dialect.name, table).on_conflict_do_nothing()  # type: ignore[arg-type]
    await conn.execute(stmt, {"id": user_id, "email": email, "phone": phone, "role": role})
    created = await get_user(session, user_id=user_id)
    if created is None:
        raise ConflictError("that email or phone number already belongs to another user")
    return created
