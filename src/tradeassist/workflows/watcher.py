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
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace

from temporalio.client import Client
from temporalio.service import RPCError

from tradeassist.workflows import levels as lv
from tradeassist.workflows.inputs import PriceCrossing

__all__ = ["PriceWatcher", "Signaller", "WatchEntry", "temporal_signaller"]

log = logging.getLogger(__name__)

Signaller = Callable[[str, PriceCrossing], Awaitable[None]]

#: After an exit signal, :meth:`PriceWatcher.sync` does not watch the trade again
#: (while the workflow stores the exit) unless its levels change or this many
#: seconds pass, so the exit is signalled once, yet never lost.
RESIGNAL_AFTER_S = 30.0


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """One open trade to watch: its workflow and the levels the workflow knows.

    Prints stamped before ``since_ns`` (UTC ns: the entry's fill time, so an
    intraday replay of the morning cannot stop out an afternoon trade) are
    ignored; 0 takes every print (a simulated day on its own clock).
    """

    workflow_id: str
    symbol: str
    levels: lv.Levels
    since_ns: int = 0


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


def _key(levels: lv.Levels) -> tuple[float | None, ...]:
    return (levels.stop_loss, levels.take_profit, levels.trailing_stop_pct)


class PriceWatcher:
    """Signals trades on level crossings only; also the last price per symbol."""

    def __init__(
        self,
        signal: Signaller,
        *,
        resignal_after_s: float = RESIGNAL_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._signal = signal
        self._by_symbol: dict[str, dict[str, _Watched]] = {}
        self._last: dict[str, float] = {}
        # workflow id -> (its levels, when) of the exits signalled
        self._exited: dict[str, tuple[tuple[float | None, ...], float]] = {}
        self._resignal_after_s = resignal_after_s
        self._clock = clock
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
        """Watch exactly ``entries`` (e.g. the open trades read again from the store).

        A trade whose exit was just signalled is left out while its workflow
        stores the exit (see :data:`RESIGNAL_AFTER_S`).
        """
        entries = list(entries)
        wanted = {e.workflow_id for e in entries}
        for trades in self._by_symbol.values():
            for workflow_id in [w for w in trades if w not in wanted]:
                del trades[workflow_id]
        self._exited = {w: v for w, v in self._exited.items() if w in wanted}
        now = self._clock()
        for entry in entries:
            exited = self._exited.get(entry.workflow_id)
            if exited is not None:
                levels, at = exited
                if levels == _key(entry.levels) and now - at < self._resignal_after_s:
                    continue
                del self._exited[entry.workflow_id]
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
            if at_ns < watched.entry.since_ns:
                continue
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
                self._exited[workflow_id] = (_key(known), self._clock())
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
