"""The store side of the screener: the sink (with its store process) and the publisher,
as one. Every write to the database happens in the sink's store process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from tradeassist.bus.base import AlertBus
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.publisher import Publisher
from tradeassist.live.sink import AlertSink, PendingAlert
from tradeassist.live.spool import AlertSpool
from tradeassist.screener.bar_output import BarSet

__all__ = ["StoreWriter"]

log = logging.getLogger(__name__)


class StoreWriter:
    """Starts, feeds and stops the sink and the publisher on the caller's event loop."""

    def __init__(
        self,
        database_url: str,
        *,
        spool: AlertSpool,
        metrics: LiveMetrics,
        status: ScreenerStatus,
        bus: AlertBus | None,
    ) -> None:
        self._publisher = None if bus is None else Publisher(bus)
        self._sink = AlertSink(
            database_url=database_url,
            spool=spool,
            metrics=metrics,
            status=status,
            publisher=self._publisher,
        )
        self._writing: asyncio.Task[None] | None = None
        self._publishing: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        """Start writing; the task returned ends early only if writing fails for good."""
        self._writing = asyncio.create_task(self._sink.run(), name="alert-sink")
        if self._publisher is not None:
            self._publishing = asyncio.create_task(self._publisher.run(), name="alert-publisher")
        return self._writing

    async def ready(self) -> None:
        """Return once alerts submitted are committed at once (after :meth:`start`)."""
        await self._sink.ready()

    def submit(self, alerts: Sequence[PendingAlert], bars: BarSet) -> None:
        """Queue alerts and completed bars (never blocks)."""
        self._sink.submit(alerts, bars)

    async def close(self, seconds: float, publish_seconds: float = 1.0) -> None:
        """Write (or spool) everything queued within ``seconds``, then spool what is left;
        publish what was committed within ``publish_seconds`` more (the store has it)."""
        self._sink.close()
        if self._writing is not None:
            done, _ = await asyncio.wait({self._writing}, timeout=seconds)
            if not done:
                log.warning("the store writer did not finish within %.0f s", seconds)
                self._writing.cancel()
            self._sink.spool_remaining()
            if self._writing.done() and not self._writing.cancelled():
                error = self._writing.exception()
                if error is not None:
                    raise error
        if self._publisher is not None and self._publishing is not None:
            self._publisher.close()  # after the last commit handed it a batch
            done, _ = await asyncio.wait({self._publishing}, timeout=publish_seconds)
            if not done:
                self._publishing.cancel()
