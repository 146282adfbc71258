"""Symbol search over what the store has seen: alerts and one-minute bars."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.tables import AlertRow, BarRow

__all__ = ["search_symbols"]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_symbols(session: AsyncSession, prefix: str, *, limit: int) -> list[str]:
    """Up to ``limit`` distinct symbols starting with ``prefix`` (case as stored), sorted."""
    pattern = _escape_like(prefix) + "%"
    alerts = select(AlertRow.symbol.label("symbol")).where(
        AlertRow.symbol.like(pattern, escape="\\")
    )
    bars = select(BarRow.symbol.label("symbol")).where(BarRow.symbol.like(pattern, escape="\\"))
    both = union(alerts, bars).subquery()
    rows = await session.execute(select(both.c.symbol).order_by(both.c.symbol).limit(limit))
    return [str(symbol) for (symbol,) in rows]
