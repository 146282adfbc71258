"""The notifier's cursor in ``notifier_cursors``: read, start, and move by compare-and-set."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.store.alerts import latest_alert_id
from tradeassist.store.tables import NotifierCursorRow

__all__ = ["claim", "claim_in", "load", "start"]


async def load(sessions: async_sessionmaker[AsyncSession], name: str) -> int | None:
    """The cursor ``name`` (the last alert id claimed), None when it does not exist."""
    async with sessions() as session:
        return await session.scalar(
            select(NotifierCursorRow.last_alert_id).where(NotifierCursorRow.name == name)
        )


async def start(sessions: async_sessionmaker[AsyncSession], name: str) -> int:
    """The cursor ``name``, created at the newest stored alert when it does not exist."""
    found = await load(sessions, name)
    if found is not None:
        return found
    try:
        async with sessions() as session, session.begin():
            newest = await latest_alert_id(session)
            session.add(NotifierCursorRow(name=name, last_alert_id=newest))
        return newest
    except IntegrityError:  # another notifier created it meanwhile
        created = await load(sessions, name)
        assert created is not None
        return created


async def claim(
    sessions: async_sessionmaker[AsyncSession], name: str, seen: int, last: int
) -> bool:
    """Move the cursor from ``seen`` to ``last``; False when it is no longer at ``seen``."""
    async with sessions() as session, session.begin():
        return await claim_in(session, name, seen, last)


async def claim_in(session: AsyncSession, name: str, seen: int, last: int) -> bool:
    """:func:`claim` inside the caller's transaction (committed with what it records)."""
    result = await session.execute(
        update(NotifierCursorRow)
        .where(NotifierCursorRow.name == name, NotifierCursorRow.last_alert_id == seen)
        .values(last_alert_id=last)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
