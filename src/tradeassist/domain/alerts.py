"""The Alert Model of the seed design, as one immutable value type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["ALERT_TYPES", "Alert", "alert_doc", "alert_from_doc", "format_ns", "parse_ns"]

ALERT_TYPES: tuple[str, ...] = (
    "gap_up",
    "gap_down",
    "volume_spike",
    "new_high_of_day",
    "new_low_of_day",
    "premarket_high_break",
    "opening_range_breakout",
    "vwap_reclaim",
    "vwap_loss",
    "trading_halt",
    "trading_resume",
)

_NS = 1_000_000_000


def format_ns(ts_ns: int) -> str:
    """ISO-8601 UTC with nanoseconds and ``Z``: ``2026-03-10T13:30:00.123456789Z``."""
    seconds, nanos = divmod(int(ts_ns), _NS)
    base = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{nanos:09d}Z"


def parse_ns(text: str) -> int:
    """Inverse of :func:`format_ns` (also accepts fewer fraction digits or an offset)."""
    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    frac = 0
    if "." in raw:
        head, rest = raw.split(".", 1)
        digits = ""
        for i, ch in enumerate(rest):
            if not ch.isdigit():
                tail = rest[i:]
                break
            digits += ch
        else:
            tail = ""
        frac = int((digits + "000000000")[:9])
        raw = head + tail
    dt = datetime.fromisoformat(raw)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp()) * _NS + frac


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: what fired, on which symbol, at which record.

    ``trigger_price`` is in dollars; ``trigger_time_ns`` is the triggering
    record's ``ts_event`` in nanoseconds since the epoch (UTC). ``level`` is the
    escalation level or time bucket that makes the idempotency key unique.
    """

    symbol: str
    alert_type: str
    trigger_price: float
    trigger_time_ns: int
    trading_day: str
    level: str
    conditions: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        """(symbol, type, trading day, level or time bucket): equal for the same event."""
        return f"{self.symbol}:{self.alert_type}:{self.trading_day}:{self.level}"

    @property
    def trigger_time(self) -> datetime:
        """The trigger time as an aware UTC datetime (microsecond precision)."""
        return datetime.fromtimestamp(self.trigger_time_ns / _NS, tz=UTC)

    def to_json_dict(self) -> dict[str, Any]:
        """The replay contract's shape: one JSON object per alert."""
        return {
            "symbol": self.symbol,
            "alert_type": self.alert_type,
            "trigger_price": self.trigger_price,
            "trigger_time": format_ns(self.trigger_time_ns),
            "conditions": self.conditions,
            "metadata": self.metadata,
        }


def alert_doc(alert: Alert) -> dict[str, Any]:
    """Every field of ``alert`` as a JSON-ready dict (what the bus and the text budget carry)."""
    return {
        "symbol": alert.symbol,
        "alert_type": alert.alert_type,
        "trigger_price": alert.trigger_price,
        "trigger_time_ns": alert.trigger_time_ns,
        "trading_day": alert.trading_day,
        "level": alert.level,
        "conditions": alert.conditions,
        "metadata": alert.metadata,
    }


def alert_from_doc(doc: dict[str, Any]) -> Alert:
    """Inverse of :func:`alert_doc`; raises KeyError, TypeError or ValueError on a bad doc."""
    return Alert(
        symbol=doc["symbol"],
        alert_type=doc["alert_type"],
        trigger_price=float(doc["trigger_price"]),
        trigger_time_ns=int(doc["trigger_time_ns"]),
        trading_day=doc["trading_day"],
        level=doc["level"],
        conditions=dict(doc.get("conditions") or {}),
        metadata=dict(doc.get("metadata") or {}),
    )
