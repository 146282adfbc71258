"""Prices for open trades when the screener runs in another process: the stored bars.

``tradeassist screener`` writes every completed one-minute bar to
``market_data_cache``; ``tradeassist worker`` runs a :class:`BarFollower`,
which polls that table for the symbols of the open trades and walks each new
bar through a :class:`~tradeassist.workflows.watcher.PriceWatcher` as the
path open -> low -> high -> close (open -> high -> low -> close when the bar
fell), so a stop or target inside a bar's range is crossed and signalled,
still only on a crossing. The database is the hand-off: no extra service,
and either process may restart (the follower starts again from each trade's
entry). The cost: a stop is seen when its minute ends (about a minute late
at worst) and fills at the bar's extreme, not at the stop. ``tradeassist run``
taps the screener's prints instead (:mod:`~tradeassist.workflows.price_tap`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.store.tables import BarRow
from tradeassist.workflows.activities import to_ns
from tradeassist.workflows.watcher import PriceWatcher
from tradeassist.workflows.watchlist import open_entries

__all__ = ["BarFollower", "bar_path"]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
_MINUTE_NS = 60 * _NS


def bar_path(bar: dict[str, object]) -> list[float]:
    """The prices a bar's ``o``, ``h``, ``l``, ``c`` most likely went through, in order."""
    values = [bar.get(k) for k in ("o", "h", "l", "c")]
    if not all(isinstance(v, int | float) for v in values):
        close = bar.get("c")
        return [float(close)] if isinstance(close, int | float) else []
    o, hi, lo, c = (float(v) for v in values)  # type: ignore[arg-type]  # checked above
    return [o, hi, lo, c] if c < o else [o, lo, hi, c]


class BarFollower:
    """Feeds a watcher the completed one-minute bars of the open trades' symbols."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        watcher: PriceWatcher,
        *,
        poll_s: float = 2.0,
    ) -> None:
        self._sessions = sessions
        self.watcher = watcher
        self._poll_s = poll_s
        self._after: dict[str, int] = {}  # symbol -> start (UTC ns) of the last bar fed

    async def poll(self) -> int:
        """One round: re-read the open trades, feed the bars stored since; signals sent."""
        entries = await open_entries(self._sessions, since_entry=True)
        self.watcher.sync(entries)
        first: dict[str, int] = {}
        for entry in entries:
            # A bar counts from the minute after the fill: earlier ones hold older prints.
            start = -(-entry.since_ns // _MINUTE_NS) * _MINUTE_NS
            first[entry.symbol] = min(first.get(entry.symbol, start), start)
        self._after = {s: self._after.get(s, first[s] - 1) for s in first}
        sent = 0
        for symbol, after in self._after.items():
            for moment, bar in await self._bars(symbol, after):
                start_ns = to_ns(moment)
                for price in bar_path(bar):
                    sent += await self.watcher.on_tick(symbol, price, start_ns)
                self._after[symbol] = start_ns
        return sent

    async def _bars(self, symbol: str, after_ns: int) -> list[tuple[datetime, dict[str, object]]]:
        after = datetime.fromtimestamp(after_ns // _NS, UTC).replace(
            microsecond=after_ns % _NS // 1000
        )
        async with self._sessions() as session:
            rows = await session.execute(
                select(BarRow.start, BarRow.bar)
                .where(BarRow.symbol == symbol, BarRow.start > after)
                .order_by(BarRow.start)
                .limit(500)
            )
            return [(start, bar) for start, bar in rows.all()]

    async def run(self, stop: asyncio.Event) -> None:
        """Poll every ``poll_s`` until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.poll()
            except Exception:  # the store or Temporal may come back: try again next round
                log.exception("bar follower: a round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._poll_s)
