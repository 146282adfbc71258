"""Prices for open trades, tapped from the screener's own batches (``tradeassist run``).

:class:`PriceTap` is called with every feed batch on the feed's event loop,
beside the screener engine. It must not block there, so it only picks (with
numpy) the last trade print of each symbol that has an open or pending
trade, and queues those few prices. :meth:`PriceTap.run` hands them, batch
by batch, to the :class:`~tradeassist.workflows.watcher.PriceWatcher` (which
signals a workflow only when a stop, target or trailing level is crossed)
and re-reads from the store, every ``refresh_s``, which trades to watch.

The tap is also the lifecycle's
:class:`~tradeassist.workflows.ports.PriceSource`: the last price tapped, or
the ``fallback`` (the bar cache) for a symbol it has not seen trade yet.
Prices dollars, times UTC ns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.feeds.databento.feed_types import BatchHandler, FeedBatch, FeedStatus, MarketFeed
from tradeassist.feeds.databento.parsing import FIXED_PRICE_SCALE, UNDEF_PRICE
from tradeassist.workflows.ports import PriceSource
from tradeassist.workflows.watcher import PriceWatcher, WatchEntry
from tradeassist.workflows.watchlist import active_symbols, open_entries

__all__ = ["PriceTap", "Print", "Refresh", "TappedFeed", "last_prints", "store_refresh"]

log = logging.getLogger(__name__)

Print = tuple[str, float, int]
"""(symbol, price in dollars, ts_event in UTC ns)"""

Refresh = Callable[[], Awaitable[tuple[list[WatchEntry], set[str]]]]
"""Reads the open trades to watch and the symbols (open or pending) to price."""

_TRADE = b"T"


def last_prints(
    records: npt.NDArray[np.void], instrument_ids: npt.NDArray[np.uint32], *, min_size: int = 1
) -> list[tuple[int, float, int]]:
    """The last trade print of each of ``instrument_ids`` in ``records`` (MBP-1 or trades).

    Returns (instrument id, price in dollars, ts_event in UTC ns), one per
    instrument that traded; prints under ``min_size`` shares (odd lots) are
    skipped, as the screener skips them for prices.
    """
    if instrument_ids.shape[0] == 0 or records.shape[0] == 0:
        return []
    keep = np.isin(records["instrument_id"], instrument_ids)
    keep &= records["action"] == _TRADE
    keep &= records["price"] != UNDEF_PRICE
    keep &= records["size"] >= min_size
    picked = records[keep]
    if picked.shape[0] == 0:
        return []
    # The first of each id in reversed order is the last one in stream order.
    _, first = np.unique(picked["instrument_id"][::-1], return_index=True)
    last = picked[picked.shape[0] - 1 - first]
    return [
        (int(i), p / FIXED_PRICE_SCALE, int(t))
        for i, p, t in zip(
            last["instrument_id"].tolist(),
            last["price"].tolist(),
            last["ts_event"].tolist(),
            strict=True,
        )
    ]


def store_refresh(sessions: async_sessionmaker[AsyncSession], *, since_entry: bool) -> Refresh:
    """A :data:`Refresh` from the ``trades`` table (see :mod:`~tradeassist.workflows.watchlist`)."""

    async def refresh() -> tuple[list[WatchEntry], set[str]]:
        entries = await open_entries(sessions, since_entry=since_entry)
        return entries, await active_symbols(sessions)

    return refresh


class PriceTap:
    """A batch handler for the screener's feed that feeds a :class:`PriceWatcher`."""

    def __init__(
        self,
        watcher: PriceWatcher,
        *,
        fallback: PriceSource | None = None,
        min_size: int = 1,
        max_backlog: int = 10_000,
    ) -> None:
        self.watcher = watcher
        self._fallback = fallback
        self._min_size = min_size
        self._symbols: dict[int, str] = {}  # instrument id -> symbol (ids hold for a day)
        self._wanted: set[str] = set()
        self._ids: npt.NDArray[np.uint32] = np.empty(0, dtype=np.uint32)
        # Per batch, its prints; bounded: if the watcher falls far behind, the oldest go.
        self._backlog: deque[list[Print]] = deque(maxlen=max_backlog)
        self._last: dict[str, float] = {}
        self._ready = asyncio.Event()

    # --- on the feed's loop -------------------------------------------------------

    def __call__(self, batch: FeedBatch) -> None:
        """Take the batch's last print per watched symbol; never blocks."""
        if batch.symbols:
            self._symbols.update(batch.symbols)
            self._reindex()
        found = last_prints(batch.records, self._ids, min_size=self._min_size)
        if found:
            self._backlog.append([(self._symbols[i], price, at) for i, price, at in found])
            self._ready.set()

    def want(self, symbols: Iterable[str]) -> None:
        """Tap exactly these symbols (those of the open and pending trades)."""
        wanted = set(symbols)
        if wanted != self._wanted:
            self._wanted = wanted
            self._reindex()

    def _reindex(self) -> None:
        ids = [i for i, symbol in self._symbols.items() if symbol in self._wanted]
        self._ids = np.asarray(sorted(ids), dtype=np.uint32)

    # --- PriceSource ------------------------------------------------------------------

    async def last_price(self, symbol: str) -> float | None:
        """The last price tapped for ``symbol``, else the fallback's (dollars)."""
        price = self._last.get(symbol)
        if price is None and self._fallback is not None:
            price = await self._fallback.last_price(symbol)
        return price

    # --- the pump ---------------------------------------------------------------------

    async def drain(self) -> int:
        """Hand every queued print to the watcher, in stream order; the signals sent."""
        sent = 0
        while self._backlog:
            for symbol, price, at_ns in self._backlog.popleft():
                self._last[symbol] = price
                sent += await self.watcher.on_tick(symbol, price, at_ns)
        return sent

    async def refresh(self, read: Refresh) -> None:
        """Watch the open trades ``read`` returns and tap their symbols and the pending ones."""
        entries, symbols = await read()
        self.watcher.sync(entries)
        self.want(symbols | {e.symbol for e in entries})

    async def run(self, stop: asyncio.Event, read: Refresh, *, refresh_s: float = 1.0) -> None:
        """Feed the watcher and refresh the watch list until ``stop`` is set."""
        loop = asyncio.get_running_loop()
        waking = asyncio.create_task(self._wake_on(stop))
        next_refresh = 0.0
        try:
            while not stop.is_set():
                if loop.time() >= next_refresh:
                    try:
                        await self.refresh(read)
                    except Exception:  # the store may come back: keep the last list
                        log.exception("price tap: cannot read the open trades")
                    next_refresh = loop.time() + refresh_s
                try:
                    await self.drain()
                except Exception:  # Temporal may come back; the next refresh re-watches
                    log.exception("price tap: cannot signal a trade")
                with contextlib.suppress(TimeoutError):
                    timeout = max(next_refresh - loop.time(), 0.0)
                    await asyncio.wait_for(self._ready.wait(), timeout)
                self._ready.clear()
        finally:
            waking.cancel()

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._ready.set()


class TappedFeed:
    """A :class:`MarketFeed` that hands each batch to the screener, then to ``tap``.

    A failing tap is logged and never stops the feed: alerts come first.
    """

    def __init__(self, feed: MarketFeed, tap: BatchHandler) -> None:
        self._feed = feed
        self._tap = tap

    @property
    def status(self) -> FeedStatus:
        return self._feed.status

    async def run(self, on_batch: BatchHandler) -> None:
        def both(batch: FeedBatch) -> None:
            on_batch(batch)
            try:
                self._tap(batch)
            except Exception:
                log.exception("price tap failed on a batch")

        await self._feed.run(both)

    def stop(self) -> None:
        self._feed.stop()
