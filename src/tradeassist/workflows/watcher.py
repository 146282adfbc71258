"""From a tick stream to the few signals an open trade needs.

A :class:`PriceWatcher` holds the levels of every open trade, sees every
trade print (``on_tick``), and signals a trade's workflow only when the price
reaches its stop or target, or moves a step past the best price the workflow
knows (for a trailing stop): see :mod:`tradeassist.workflows.levels`. It also
keeps the last price per symbol, so it can serve as the lifecycle's
:class:`~tradeassist.workflows.ports.PriceSource`.

``signal`` is injected: :func:`temporal_signaller` sends the real
``price_crossing`` signal; tests pass a recorder. Prices dollars, times UTC ns.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace

from temporalio.client import Client
from temporalio.service import RPCError

from tradeassist.workflows import levels as lv
from tradeassist.workflows.inputs import PriceCrossing

__all__ = ["PriceWatcher", "Signaller", "WatchEntry", "temporal_signaller"]

log = logging.getLogger(__name__)

Signaller = Callable[[str, PriceCrossing], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """One open trade to watch: its workflow and the levels the workflow knows."""

    workflow_id: str
    symbol: str
    levels: lv.Levels


@dataclass(slots=True)
class _Watched:
    entry: WatchEntry
    best: float  # best price seen by this watcher, which the workflow may not know yet


def temporal_signaller(client: Client) -> Signaller:
    """A signaller that sends ``price_crossing`` to the trade's workflow."""

    async def signal(workflow_id: str, crossing: PriceCrossing) -> None:
        handle = client.get_workflow_handle(workflow_id)
        await handle.signal("price_crossing", crossing)

    return signal


class PriceWatcher:
    """Signals trades on level crossings only; also the last price per symbol."""

    def __init__(self, signal: Signaller) -> None:
        self._signal = signal
        self._by_symbol: dict[str, dict[str, _Watched]] = {}
        self._last: dict[str, float] = {}
        self.signals_sent = 0

    def watch(self, entry: WatchEntry) -> None:
        """Start (or update) watching a trade; keeps the best price seen so far."""
        trades = self._by_symbol.setdefault(entry.symbol, {})
        known = trades.get(entry.workflow_id)
        best = entry.levels.extreme if known is None else known.best
        best = lv.observe(entry.levels, best).extreme
        trades[entry.workflow_id] = _Watched(entry, best)

    def unwatch(self, workflow_id: str) -> None:
        for trades in self._by_symbol.values():
            trades.pop(workflow_id, None)

    def sync(self, entries: Iterable[WatchEntry]) -> None:
        """Watch exactly ``entries`` (e.g. the open trades read again from the store)."""
        wanted = {e.workflow_id for e in entries}
        for trades in self._by_symbol.values():
            for workflow_id in [w for w in trades if w not in wanted]:
                del trades[workflow_id]
        for entry in entries:
            self.watch(entry)

    def watching(self) -> int:
        return sum(len(trades) for trades in self._by_symbol.values())

    async def last_price(self, symbol: str) -> float | None:
        return self._last.get(symbol)

    async def on_tick(self, symbol: str, price: float, at_ns: int) -> int:
        """Feed one trade print; returns how many signals it caused."""
        self._last[symbol] = price
        trades = self._by_symbol.get(symbol)
        if not trades:
            return 0
        sent = 0
        for workflow_id, watched in list(trades.items()):
            known = watched.entry.levels
            watched.best = lv.observe(known, watched.best).extreme
            seen = lv.observe(known, price, watched.best)
            watched.best = seen.extreme
            exits = lv.exit_reason(seen, price) is not None
            threshold = lv.report_threshold(known)
            sign = 1.0 if known.side == "long" else -1.0
            ratchet = threshold is not None and sign * (watched.best - threshold) >= 0
            if not (exits or ratchet):
                continue
            crossing = PriceCrossing(price=price, at_ns=at_ns, best=watched.best)
            if not await self._send(workflow_id, crossing):
                trades.pop(workflow_id, None)
                continue
            sent += 1
            if exits:
                # The workflow closes the trade now; more ticks must not re-signal it.
                trades.pop(workflow_id, None)
            else:
                new_levels = replace(known, extreme=watched.best)
                watched.entry = replace(watched.entry, levels=new_levels)
        return sent

    async def _send(self, workflow_id: str, crossing: PriceCrossing) -> bool:
        try:
            await self._signal(workflow_id, crossing)
        except RPCError as exc:
            # The workflow has ended (closed by the user, the close...): stop watching it.
            log.info("stopped watching %s: %s", workflow_id, exc.message)
            return False
        self.signals_sent += 1
        return True
