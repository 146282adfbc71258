"""What the lifecycle's activities need from the outside, and the embedded defaults.

- :class:`SmsSender`: delivers a text to a user (the notifier's Twilio channel
  in production; :class:`OutboxSmsSender`, a JSON-lines console outbox, when
  Twilio is not configured).
- :class:`PriceSource`: the last traded price of a symbol in dollars (the
  screener's live prices, a :class:`~tradeassist.workflows.watcher.PriceWatcher`,
  or :class:`BarCachePriceSource`, the close of the latest stored 1-minute bar).
- ``Clock``: the current time, aware UTC (injected so tests can move it).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.store.tables import BarRow
from tradeassist.store.types import utcnow

__all__ = [
    "BarCachePriceSource",
    "Clock",
    "OutboxSmsSender",
    "PriceSource",
    "SmsSender",
    "StaticPrices",
]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class SmsSender(Protocol):
    async def send(self, *, user_id: str, body: str) -> None:
        """Deliver ``body`` to the user's verified phone; raise a TradeAssistError if it cannot."""
        ...


class PriceSource(Protocol):
    async def last_price(self, symbol: str) -> float | None:
        """The last traded price in dollars, or None when none is known."""
        ...


class OutboxSmsSender:
    """The console outbox: each message is logged and appended to a JSON-lines file."""

    def __init__(self, path: Path, *, clock: Clock = utcnow) -> None:
        self._path = path
        self._clock = clock
        self._lock = asyncio.Lock()

    async def send(self, *, user_id: str, body: str) -> None:
        line = json.dumps({"at": self._clock().isoformat(), "user_id": user_id, "body": body})
        async with self._lock:
            await asyncio.to_thread(self._append, line)
        log.info("SMS to %s: %s", user_id, body)

    def _append(self, line: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def messages(self) -> list[dict[str, str]]:
        """Everything sent so far (for tests and the console)."""
        if not self._path.exists():
            return []
        lines = self._path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


class BarCachePriceSource:
    """The close of the symbol's latest stored one-minute bar (``market_data_cache``)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def last_price(self, symbol: str) -> float | None:
        async with self._sessions() as session:
            bar = await session.scalar(
                select(BarRow.bar)
                .where(BarRow.symbol == symbol)
                .order_by(BarRow.start.desc())
                .limit(1)
            )
        close = bar.get("c") if isinstance(bar, dict) else None
        return float(close) if isinstance(close, int | float) else None


class StaticPrices:
    """Prices set by hand (tests, benchmarks, a paced demo feed)."""

    def __init__(self, prices: dict[str, float] | None = None) -> None:
        self.prices: dict[str, float] = dict(prices or {})

    async def last_price(self, symbol: str) -> float | None:
        return self.prices.get(symbol)
