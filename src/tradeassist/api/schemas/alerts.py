"""Alerts as the API shows them."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from tradeassist.api.cursor import Order
from tradeassist.api.times import bounded_time
from tradeassist.domain.alerts import ALERT_TYPES, format_ns
from tradeassist.store.alert_queries import AlertFilter, pct_move
from tradeassist.store.alerts import StoredAlert
from tradeassist.store.outcomes import OutcomeStats

__all__ = [
    "AlertFilterParams",
    "AlertListParams",
    "AlertPageParams",
    "AlertPublic",
    "AlertStatsParams",
    "AlertStatsPublic",
    "AlertsPublic",
    "AlertsTodayPublic",
    "HourCountPublic",
    "OutcomeStatsPublic",
    "StreamParams",
    "SymbolCountPublic",
    "TypeCountPublic",
    "plain_list_params",
]


class AlertPublic(BaseModel):
    """One stored alert: the seed's Alert Model plus its id and stored extras."""

    id: int = Field(description="Commit-ordered id: the cursor for paging and resuming.")
    symbol: str
    alert_type: str = Field(json_schema_extra={"enum": list(ALERT_TYPES)})
    trigger_price: float = Field(description="Dollars.")
    trigger_time: str = Field(
        description="The triggering record's ts_event, ISO-8601 UTC with nanoseconds and Z.",
        examples=["2026-03-10T13:30:00.123456789Z"],
    )
    trigger_time_ns: int = Field(description="Nanoseconds since the epoch, UTC.")
    trading_day: date = Field(description="The US/Eastern trading day.")
    level: str
    pct_move: float | None = Field(default=None, description="Percent from the reference price.")
    conditions: dict[str, Any]
    metadata: dict[str, Any]
    created_at: datetime | None = None

    @classmethod
    def from_stored(cls, stored: StoredAlert) -> AlertPublic:
        alert = stored.alert
        return cls(
            id=stored.id,
            symbol=alert.symbol,
            alert_type=alert.alert_type,
            trigger_price=alert.trigger_price,
            trigger_time=format_ns(alert.trigger_time_ns),
            trigger_time_ns=alert.trigger_time_ns,
            trading_day=date.fromisoformat(alert.trading_day),
            level=alert.level,
            pct_move=pct_move(alert),
            conditions=alert.conditions,
            metadata=alert.metadata,
            created_at=stored.created_at,
        )


class AlertsPublic(BaseModel):
    """A page of alerts; pass ``next_cursor`` back as ``cursor`` for the next page."""

    data: list[AlertPublic]
    count: int = Field(description="Alerts in this page.")
    next_cursor: str | None = Field(
        default=None, description="Opaque; null when this is the last page."
    )


class AlertsTodayPublic(AlertsPublic):
    """A page of the current US/Eastern trading day's alerts."""

    trading_day: date


class TypeCountPublic(BaseModel):
    alert_type: str
    count: int


class HourCountPublic(BaseModel):
    hour: int = Field(ge=0, le=23, description="Hour of the day, US/Eastern.")
    count: int


class SymbolCountPublic(BaseModel):
    symbol: str
    count: int


class OutcomeStatsPublic(BaseModel):
    """How alerts of one type played out (filled once alerts are graded)."""

    alert_type: str
    graded: int = Field(description="Alerts with a known 30-minute return.")
    hits: int = Field(default=0, description="Graded alerts with a positive 30m return.")
    hit_rate: float | None = Field(default=None, description="Fraction with a positive 30m return.")
    mean_return: dict[str, float] = Field(
        default_factory=dict, description="Signed fractions keyed by horizon: 1m, 5m, 30m, close."
    )
    mean_mfe: float | None = Field(default=None, description="Mean max favourable excursion.")
    mean_mae: float | None = Field(default=None, description="Mean max adverse excursion.")
    trades: int = Field(default=0, description="Alerts with a simulated trade P&L.")
    total_pnl: float = Field(default=0.0, description="Simulated trades' P&L, dollars.")

    @classmethod
    def from_stats(cls, stats: OutcomeStats) -> OutcomeStatsPublic:
        return cls(**dataclasses.asdict(stats))  # the same field names


class AlertStatsPublic(BaseModel):
    """Counts over a window: by type, by US/Eastern hour of day, top symbols; outcomes."""

    since: datetime
    until: datetime
    total: int
    by_type: list[TypeCountPublic]
    by_hour: list[HourCountPublic]
    top_symbols: list[SymbolCountPublic]
    outcomes: list[OutcomeStatsPublic] = Field(default_factory=list)


def _symbols(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = tuple(dict.fromkeys(p.strip().upper() for p in value.split(",") if p.strip()))
    if len(items) > 100 or any(not _SYMBOL_RE.match(s) for s in items):
        raise ValueError("symbol takes up to 100 comma-separated tickers (A-Z, 0-9, . - /)")
    return items


def _types(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = tuple(dict.fromkeys(p.strip().lower() for p in value.split(",") if p.strip()))
    if len(items) > 50 or any(not _TYPE_RE.match(t) for t in items):
        raise ValueError("alert_type takes up to 50 comma-separated names (a-z, 0-9, _)")
    return items


_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,31}$")
_TYPE_RE = re.compile(r"^[a-z0-9_]{1,64}$")

Time = Annotated[datetime, AfterValidator(bounded_time)]


class AlertFilterParams(BaseModel):
    """Filters shared by the alert endpoints (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    symbol: str | None = Field(
        default=None, max_length=2000, description="A ticker or comma-separated tickers."
    )
    alert_type: str | None = Field(
        default=None, max_length=2000, description="A type or comma-separated types."
    )
    min_pct: float | None = Field(
        default=None, ge=0, le=1e6, allow_inf_nan=False, description="Minimum |move|, percent."
    )

    @field_validator("symbol")
    @classmethod
    def _check_symbol(cls, value: str | None) -> str | None:
        _symbols(value)
        return value

    @field_validator("alert_type")
    @classmethod
    def _check_type(cls, value: str | None) -> str | None:
        _types(value)
        return value

    def to_filter(self, since_ns: int | None = None, until_ns: int | None = None) -> AlertFilter:
        return AlertFilter(
            symbols=_symbols(self.symbol),
            alert_types=_types(self.alert_type),
            since_ns=since_ns,
            until_ns=until_ns,
            min_pct=self.min_pct,
        )


class AlertPageParams(AlertFilterParams):
    """A page of alerts: newest first (``desc``) or oldest first (``asc``)."""

    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = Field(default=None, max_length=200)
    order: Order = "desc"


class AlertListParams(AlertPageParams):
    """``GET /alerts``: filters, a trigger-time window (since inclusive, until exclusive)."""

    since: Time | None = None
    until: Time | None = None


_PLAIN_KEYS = frozenset(("symbol", "alert_type", "limit", "cursor", "order"))


def plain_list_params(query_string: bytes) -> AlertListParams | None:
    """``GET /alerts``' common query (symbol, alert_type, limit, cursor, order), parsed
    without FastAPI's per-request model machinery; None when anything is unusual.

    Only values :class:`AlertListParams` certainly accepts, with the same result,
    pass here: anything else (other parameters, repeats, blanks, non-canonical
    numbers, invalid values) returns None and goes through the declared model,
    which then gives the usual answer, 422 included.
    """
    # As Starlette splits a query string (``QueryParams``).
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    values = dict(pairs)
    if len(values) != len(pairs) or not _PLAIN_KEYS.issuperset(values):
        return None
    fields: dict[str, Any] = {}
    for name, value in values.items():
        if not value:
            return None
        if name == "limit":
            if not (value.isascii() and value.isdigit()) or value[0] == "0" or len(value) > 4:
                return None
            limit = int(value)
            if limit > 1000:
                return None
            fields["limit"] = limit
        elif name == "order":
            if value not in ("desc", "asc"):
                return None
            fields["order"] = value
        elif name == "cursor":
            if len(value) > 200:
                return None
            fields["cursor"] = value
        else:
            if len(value) > 2000:
                return None
            try:
                _symbols(value) if name == "symbol" else _types(value)
            except ValueError:
                return None
            fields[name] = value
    return AlertListParams.model_construct(**fields)


class AlertStatsParams(AlertFilterParams):
    """``GET /alerts/stats``: the window defaults to today's US/Eastern day."""

    since: Time | None = None
    until: Time | None = None
    top: int = Field(default=10, ge=1, le=100, description="How many top symbols.")


class StreamParams(AlertFilterParams):
    """Live streams: filters, a resume point and the token (browsers cannot send headers)."""

    after_id: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="Replay stored alerts after this id first."
    )
    token: str | None = Field(default=None, max_length=8192, description="A bearer token.")
