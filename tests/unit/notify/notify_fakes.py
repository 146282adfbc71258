"""Test helpers of the notifier: recording channels and alert factories."""

from __future__ import annotations

from datetime import UTC, datetime

from tradeassist.domain.alerts import Alert
from tradeassist.notify.model import AlertRef, Notice

NS = 1_000_000_000


class RecordingChannel:
    """A channel that keeps every notice it is given."""

    def __init__(self, name: str) -> None:
        self._name = name
        self.notices: list[Notice] = []

    @property
    def name(self) -> str:
        return self._name

    async def deliver(self, notice: Notice) -> None:
        self.notices.append(notice)


def make_alert(
    alert_id: int,
    *,
    symbol: str = "AAPL",
    alert_type: str = "gap_up",
    price: float = 100.0,
    pct: float | None = 4.0,
    at: datetime | None = None,
) -> AlertRef:
    when = at or datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
    conditions = {} if pct is None else {"pct_move": pct}
    alert = Alert(
        symbol=symbol,
        alert_type=alert_type,
        trigger_price=price,
        trigger_time_ns=int(when.timestamp()) * NS,
        trading_day=when.date().isoformat(),
        level=str(alert_id),
        conditions=conditions,
    )
    return AlertRef(alert, alert_id)
