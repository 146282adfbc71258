"""Symbol search over what the store has seen: alerts and one-minute bars."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from tradeassist.store.tables import AlertRow, BarRow

__all__ = ["search_symbols"]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _escape_glob(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _starts_with(
    column: InstrumentedAttribute[str], prefix: str, dialect: str
) -> ColumnElement[bool]:
    # Both are case-sensitive and served by an index: on PostgreSQL LIKE through the
    # text_pattern_ops index (migration 0005); on SQLite LIKE ignores case and so
    # cannot use an index, while GLOB can use the plain ``symbol`` ones.
    if dialect == "sqlite":
        return column.bool_op("GLOB")(_escape_glob(prefix) + "*")
    return column.like(_escape_like(prefix) + "%", escape="\\")


async def search_symbols(session: AsyncSession, prefix: str, *, limit: int) -> list[str]:
    """Up to ``limit`` distinct symbols starting with ``prefix`` (case as stored), sorted."""
    dialect = (await session.connection()).dialect.name
    alerts = select(AlertRow.symbol.label("symbol")).where(
        _starts_with(AlertRow.symbol, prefix, dialect)
    )
    bars = select(BarRow.symbol.label("symbol")).where(_starts_with(BarRow.symbol, prefix, dialect))
    both = union(alerts, bars).subquery()
    rows = await session.execute(select(both.c.symbol).order_by(both.c.symbol).limit(limit))
    return [str(symbol) for (symbol,) in rows]
