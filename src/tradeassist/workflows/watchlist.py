"""Which trades need prices, read from the ``trades`` table.

The open trades become :class:`~tradeassist.workflows.watcher.WatchEntry`s
(their levels rebuilt from the stored stop, target and trail); the symbols of
open and pending trades are the ones a price tap keeps last prices for (a
YES fills the entry at the last price). Read from the store rather than
queried from each workflow, so a watcher can (re)load thousands of trades at
once, also while workers restart.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.store import trade_lifecycle as trades
from tradeassist.store.tables import TradeRow
from tradeassist.workflows import levels as lv
from tradeassist.workflows.activities import to_ns
from tradeassist.workflows.watcher import WatchEntry

__all__ = ["active_symbols", "open_entries"]


def _entry(row: TradeRow, since_entry: bool) -> WatchEntry | None:
    if row.workflow_id is None or row.entry_price is None:
        return None
    since_ns = to_ns(row.entry_time) if since_entry and row.entry_time is not None else 0
    levels = lv.from_stored(
        side=row.side,
        entry_price=row.entry_price,
        stop_loss=row.stop_loss,
        take_profit=row.take_profit,
        trailing_stop_pct=row.trailing_stop_pct,
    )
    return WatchEntry(row.workflow_id, row.symbol, levels, since_ns)


async def open_entries(
    sessions: async_sessionmaker[AsyncSession],
    *,
    user_ids: Sequence[str] | None = None,
    since_entry: bool,
) -> list[WatchEntry]:
    """The open trades (of ``user_ids``, or everyone's) as watch entries.

    ``since_entry``: ignore prints stamped before each trade's fill (a real
    feed, whose clock is the wall clock); False for a simulated day.
    """
    async with sessions() as session:
        rows = await trades.open_trades(session, user_ids=user_ids)
    entries = (_entry(row, since_entry) for row in rows)
    return [e for e in entries if e is not None]


async def active_symbols(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    """The symbols of every open or pending trade."""
    async with sessions() as session:
        found = await session.scalars(
            select(TradeRow.symbol).where(TradeRow.status.in_(trades.ACTIVE_STATUSES)).distinct()
        )
        return set(found.all())
