"""A user's SMS side: conversation state, opt-in and opt-out, phone verification, audit entries.

Opt-in and opt-out are what A2P 10DLC registration asks a sender to keep:
when, how (the keyword or the verification) and for which number; each
change sets the ``users`` columns and writes an ``audit_log`` row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.errors import ConflictError
from tradeassist.store.tables import (
    AuditLogRow,
    PhoneVerificationRow,
    SmsUserStateRow,
    UserRow,
)
from tradeassist.store.upsert import insert_for, json_safe

__all__ = [
    "SmsUserState",
    "audit",
    "drop_verification",
    "get_state",
    "get_verification",
    "opt_in",
    "opt_out",
    "put_verification",
    "set_state",
    "set_verified_phone",
]


@dataclass(frozen=True, slots=True)
class SmsUserState:
    """The conversation state of one user (defaults when nothing is stored yet)."""

    user_id: str
    muted_until: datetime | None = None
    alert_types: list[str] | None = None
    opted_in_at: datetime | None = None
    paper_notice_at: datetime | None = None
    pending_actions: list[dict[str, Any]] = field(default_factory=list)


async def get_state(session: AsyncSession, *, user_id: str) -> SmsUserState:
    """The user's state; the defaults when none is stored."""
    row = await session.get(SmsUserStateRow, user_id)
    if row is None:
        return SmsUserState(user_id)
    return SmsUserState(
        user_id,
        row.muted_until,
        list(row.alert_types) if row.alert_types is not None else None,
        row.opted_in_at,
        row.paper_notice_at,
        list(row.pending_actions or []),
    )


async def set_state(session: AsyncSession, *, user_id: str, **values: Any) -> None:
    """Set some fields of the user's state (created on first use)."""
    allowed = {"muted_until", "alert_types", "opted_in_at", "paper_notice_at", "pending_actions"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not SMS state fields: {', '.join(sorted(unknown))}")
    conn = await session.connection()
    table = SmsUserStateRow.__table__
    row = {"user_id": user_id, "pending_actions": [], **values}
    stmt = insert_for(conn.dialect.name, table).values(**row)  # type: ignore[arg-type]
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.user_id], set_=values or row)
    await conn.execute(stmt)


async def audit(
    session: AsyncSession, *, user_id: str | None, action: str, details: dict[str, Any]
) -> None:
    """Append one entry to the audit trail."""
    # Times and other values become text: the column is JSON.
    plain = json.loads(json.dumps(json_safe(details), default=str))
    session.add(AuditLogRow(user_id=user_id, action=action, details=plain))
    await session.flush()


async def opt_in(session: AsyncSession, *, user_id: str, at: datetime, how: str) -> None:
    """The user agreed to texts (a verified code, START, UNSTOP, YES after a STOP)."""
    await session.execute(
        update(UserRow).where(UserRow.id == user_id).values(sms_opt_in=True, sms_opted_out_at=None)
    )
    await set_state(session, user_id=user_id, opted_in_at=at)
    await audit(session, user_id=user_id, action="sms_opt_in", details={"how": how, "at": at})


async def opt_out(session: AsyncSession, *, user_id: str, at: datetime, how: str) -> None:
    """The user asked for no more texts (STOP and its synonyms)."""
    await session.execute(
        update(UserRow).where(UserRow.id == user_id).values(sms_opt_in=False, sms_opted_out_at=at)
    )
    await set_state(session, user_id=user_id, pending_actions=[])
    await audit(session, user_id=user_id, action="sms_opt_out", details={"how": how, "at": at})


async def set_verified_phone(
    session: AsyncSession, *, user_id: str, phone: str, at: datetime
) -> None:
    """Make ``phone`` the user's verified number; ``ConflictError`` if another user has it."""
    owner = await session.scalar(select(UserRow.id).where(UserRow.phone == phone))
    if owner is not None and owner != user_id:
        raise ConflictError("that phone number belongs to another user")
    await session.execute(
        update(UserRow).where(UserRow.id == user_id).values(phone=phone, phone_verified_at=at)
    )
    await audit(session, user_id=user_id, action="phone_verified", details={"phone": phone})


async def put_verification(
    session: AsyncSession,
    *,
    user_id: str,
    phone: str,
    code_hash: str,
    expires_at: datetime,
    sent_at: datetime,
) -> None:
    """Store a new code for the user (replacing any earlier one)."""
    await session.execute(
        delete(PhoneVerificationRow).where(PhoneVerificationRow.user_id == user_id)
    )
    session.add(
        PhoneVerificationRow(
            user_id=user_id,
            phone=phone,
            code_hash=code_hash,
            expires_at=expires_at,
            attempts=0,
            sent_at=sent_at,
        )
    )
    await session.flush()


async def get_verification(session: AsyncSession, *, user_id: str) -> PhoneVerificationRow | None:
    """The user's outstanding code, locked for update (None when there is none)."""
    query = (
        select(PhoneVerificationRow)
        .where(PhoneVerificationRow.user_id == user_id)
        .with_for_update()
    )
    return await session.scalar(query)


async def drop_verification(session: AsyncSession, *, user_id: str) -> None:
    """Forget the user's code (used, or too many wrong tries)."""
    await session.execute(
        delete(PhoneVerificationRow).where(PhoneVerificationRow.user_id == user_id)
    )
