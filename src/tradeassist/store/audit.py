"""The audit trail: every action on trades, by whom (``user_id`` None: the system).

Rows are only ever added. ``details["key"]``, when given, names the step that
wrote the row (a workflow id and step), which lets a retried activity see
that its effect already happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import AuditLogRow
from tradeassist.store.types import utcnow
from tradeassist.store.upsert import json_safe

__all__ = ["has_action", "list_actions", "record_action"]


async def record_action(
    session: AsyncSession,
    *,
    user_id: str | None,
    action: str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add one row (in the caller's transaction); ``at`` defaults to now (aware UTC)."""
    session.add(
        AuditLogRow(
            user_id=user_id,
            action=action,
            details=json_safe(details or {}),
            created_at=at or utcnow(),
        )
    )
    await session.flush()


async def has_action(
    session: AsyncSession,
    *,
    user_id: str | None,
    action: str,
    since: datetime | None = None,
    key: str | None = None,
) -> bool:
    """Whether ``action`` was recorded for the user (since ``since``, with ``key``)."""
    query = select(AuditLogRow.id).where(
        AuditLogRow.user_id == user_id if user_id is not None else AuditLogRow.user_id.is_(None),
        AuditLogRow.action == action,
    )
    if since is not None:
        query = query.where(AuditLogRow.created_at >= since)
    if key is not None:
        query = query.where(AuditLogRow.details["key"].as_string() == key)
    return (await session.scalar(query.limit(1))) is not None


async def list_actions(
    session: AsyncSession, *, user_id: str | None = None, limit: int = 100
) -> list[AuditLogRow]:
    """The latest rows, newest first, of one user or (``None``) of everyone."""
    query = select(AuditLogRow)
    if user_id is not None:
        query = query.where(AuditLogRow.user_id == user_id)
    rows = await session.scalars(query.order_by(AuditLogRow.id.desc()).limit(limit))
    return list(rows.all())
