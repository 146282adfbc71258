"""Alerts and an in-memory alert store for the bus tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pytest

from tradeassist.domain.alerts import Alert
from tradeassist.store.alerts import StoredAlert

T0 = 1_773_149_400_000_000_000  # 2026-03-10 13:30 UTC, ns


def stored(alert_id: int, symbol: str = "AAPL", alert_type: str = "gap_up") -> StoredAlert:
    alert = Alert(
        symbol=symbol,
        alert_type=alert_type,
        trigger_price=100.0 + alert_id,
        trigger_time_ns=T0 + alert_id,
        trading_day="2026-03-10",
        level=str(alert_id),
        conditions={"pct_move": 3.0 + alert_id},
        metadata={"bid": None, "ask": None, "spread": None},
    )
    return StoredAlert(id=alert_id, alert=alert, created_at=dt.datetime.now(dt.UTC))


class ListStore:
    """Committed alerts in id order; what a database would answer."""

    def __init__(self) -> None:
        self.rows: list[StoredAlert] = []
        self.reads = 0

    def commit(self, *alerts: StoredAlert) -> None:
        self.rows.extend(alerts)

    async def last_id(self) -> int:
        return self.rows[-1].id if self.rows else 0

    async def alerts_after(self, after_id: int, limit: int) -> Sequence[StoredAlert]:
        self.reads += 1
        return [a for a in self.rows if a.id > after_id][:limit]


MakeAlert = Callable[..., StoredAlert]


@pytest.fixture
def make_alert() -> MakeAlert:
    return stored


@pytest.fixture
def store() -> ListStore:
    return ListStore()
