"""One-minute bars in ``market_data_cache``: upserted by the screener, read by the API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.domain.bars import Bar
from tradeassist.store.tables import BarRow
from tradeassist.store.upsert import insert_for, json_safe

__all__ = ["list_bars", "upsert_bars"]

_NS = 1_000_000_000
_US = 1_000


def _start(start_ns: int) -> datetime:
    # Integer arithmetic: a float of ~1.7e18 ns cannot hold the exact instant.
    seconds, nanos = divmod(int(start_ns), _NS)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=nanos // _US)


def _start_ns(start: datetime) -> int:
    whole = int(start.replace(microsecond=0).timestamp())
    return whole * _NS + start.microsecond * _US


def _values(bar: Bar) -> dict[str, Any]:
    document = {
        "o": bar.open,
        "h": bar.high,
        "l": bar.low,
        "c": bar.close,
        "v": int(bar.volume),
        "trades": int(bar.trades),
        "vwap": bar.vwap,
    }
    return {"symbol": bar.symbol, "start": _start(bar.start_ns), "bar": json_safe(document)}


def _bar(row: BarRow) -> Bar:
    doc = row.bar
    return Bar(
        symbol=row.symbol,
        start_ns=_start_ns(row.start),
        open=float(doc["o"]),
        high=float(doc["h"]),
        low=float(doc["l"]),
        close=float(doc["c"]),
        volume=int(doc["v"]),
        trades=int(doc.get("trades") or 0),
        vwap=float(doc["vwap"]) if doc.get("vwap") is not None else float("nan"),
    )


async def upsert_bars(session: AsyncSession, *, bars: Sequence[Bar]) -> None:
    """Store ``bars`` in the session's transaction; a bar already stored is replaced.

    Keyed by (symbol, minute); when ``bars`` repeats a key, the last one wins.
    """
    last = {(bar.symbol, bar.start_ns): bar for bar in bars}
    if not last:
        return
    conn = await session.connection()
    table = BarRow.__table__
    insert = insert_for(conn.dialect.name, table)  # type: ignore[arg-type]
    stmt = insert.on_conflict_do_update(
        index_elements=[table.c.symbol, table.c.start], set_={"bar": insert.excluded.bar}
    )
    await conn.execute(stmt, [_values(bar) for bar in last.values()])


async def list_bars(
    session: AsyncSession,
    *,
    symbol: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Bar]:
    """The stored bars of ``symbol`` oldest first; ``since`` inclusive, ``until`` exclusive."""
    query = select(BarRow).where(BarRow.symbol == symbol)
    if since is not None:
        query = query.where(BarRow.start >= since)
    if until is not None:
        query = query.where(BarRow.start < until)
    rows = (await session.scalars(query.order_by(BarRow.start))).all()
    return [_bar(row) for row in rows]
