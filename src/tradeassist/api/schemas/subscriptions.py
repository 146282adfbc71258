"""Alert subscriptions: which alerts a user wants, and how they reach them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, Self

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from tradeassist.api.schemas.common import PRINTABLE
from tradeassist.store.tables import AlertSubscriptionRow

__all__ = [
    "SubscriptionCreate",
    "SubscriptionCreatedPublic",
    "SubscriptionPublic",
    "SubscriptionUpdate",
    "SubscriptionsPublic",
]

Channel = Literal["sms", "websocket", "webhook"]
_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,31}$")
_TYPE_RE = re.compile(r"^[a-z0-9_]{1,64}$")
Price = Field(default=None, ge=0, le=1e7, allow_inf_nan=False)


class _SubscriptionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100, pattern=PRINTABLE)
    alert_types: list[str] | None = Field(
        default=None, max_length=50, description="None: every type."
    )
    symbols: list[str] | None = Field(
        default=None, max_length=2000, description="None: every symbol."
    )
    min_price: float | None = Price
    max_price: float | None = Price
    min_pct_move: float | None = Field(default=None, ge=0, le=1e6, allow_inf_nan=False)
    quiet_start: str | None = Field(default=None, pattern=_HHMM, description="HH:MM, local.")
    quiet_end: str | None = Field(default=None, pattern=_HHMM, description="HH:MM, local.")
    channels: list[Channel] | None = Field(default=None, max_length=3)
    webhook_url: AnyHttpUrl | None = Field(default=None)
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=200, pattern=PRINTABLE
    )
    enabled: bool | None = None
    auto_trade: bool | None = Field(
        default=None,
        description="Propose a paper trade on each matching directional alert (long on "
        "gap_up and breakouts, short on gap_down, new_low_of_day, vwap_loss); the user "
        "still confirms it with YES by SMS.",
    )
    auto_trade_quantity: int | None = Field(
        default=None, gt=0, le=1_000_000, description="Shares; null: sized by risk."
    )
    auto_trade_risk: float | None = Field(
        default=None, gt=0, le=1e6, allow_inf_nan=False, description="Dollars to the stop."
    )
    auto_trade_stop_pct: float | None = Field(
        default=None, gt=0, lt=50, allow_inf_nan=False, description="Percent from the alert."
    )
    auto_trade_target_pct: float | None = Field(
        default=None, gt=0, le=1000, allow_inf_nan=False, description="Percent; null: none."
    )

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = list(dict.fromkeys(s.strip().upper() for s in value))
        if any(not _SYMBOL_RE.match(s) for s in cleaned):
            raise ValueError("symbols are tickers: A-Z, 0-9, . - /")
        return cleaned

    @field_validator("alert_types")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = list(dict.fromkeys(t.strip().lower() for t in value))
        if any(not _TYPE_RE.match(t) for t in cleaned):
            raise ValueError("alert types are names: a-z, 0-9, _")
        return cleaned

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[Channel] | None) -> list[Channel] | None:
        return None if value is None else list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        low, high = self.min_price, self.max_price
        if low is not None and high is not None and low > high:
            raise ValueError("min_price is above max_price")
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("give both quiet_start and quiet_end, or neither")
        return self

    def values(self) -> dict[str, object]:
        """The fields the client set, as column values."""
        out: dict[str, object] = self.model_dump(exclude_unset=True)
        if "webhook_url" in out and self.webhook_url is not None:
            out["webhook_url"] = str(self.webhook_url)
        return out


def _default_channels() -> list[Channel]:
    return ["websocket"]


class SubscriptionCreate(_SubscriptionFields):
    """A new subscription; channels default to the WebSocket."""

    name: str | None = Field(default="", max_length=100, pattern=PRINTABLE)
    channels: list[Channel] | None = Field(default_factory=_default_channels, max_length=3)

    @model_validator(mode="after")
    def _webhook(self) -> Self:
        if self.channels and "webhook" in self.channels and self.webhook_url is None:
            raise ValueError("the webhook channel needs a webhook_url")
        return self


class SubscriptionUpdate(_SubscriptionFields):
    """Change some fields; the ones left out keep their values (null clears a filter)."""


class SubscriptionPublic(BaseModel):
    id: int
    name: str
    alert_types: list[str] | None
    symbols: list[str] | None
    min_price: float | None
    max_price: float | None
    min_pct_move: float | None
    quiet_start: str | None
    quiet_end: str | None
    channels: list[str]
    webhook_url: str | None
    has_webhook_secret: bool
    enabled: bool
    auto_trade: bool = False
    auto_trade_quantity: int | None = None
    auto_trade_risk: float | None = None
    auto_trade_stop_pct: float | None = None
    auto_trade_target_pct: float | None = None
    created_at: datetime

    @classmethod
    def from_row(cls, row: AlertSubscriptionRow) -> SubscriptionPublic:
        return cls(
            id=row.id,
            name=row.name,
            alert_types=row.alert_types,
            symbols=row.symbols,
            min_price=row.min_price,
            max_price=row.max_price,
            min_pct_move=row.min_pct_move,
            quiet_start=row.quiet_start,
            quiet_end=row.quiet_end,
            channels=list(row.channels or []),
            webhook_url=row.webhook_url,
            has_webhook_secret=bool(row.webhook_secret),
            enabled=row.enabled,
            auto_trade=row.auto_trade,
            auto_trade_quantity=row.auto_trade_quantity,
            auto_trade_risk=row.auto_trade_risk,
            auto_trade_stop_pct=row.auto_trade_stop_pct,
            auto_trade_target_pct=row.auto_trade_target_pct,
            created_at=row.created_at,
        )


class SubscriptionCreatedPublic(SubscriptionPublic):
    """A new subscription; ``webhook_secret`` (HMAC key of its webhook) is shown this once."""

    webhook_secret: str | None = None


class SubscriptionsPublic(BaseModel):
    data: list[SubscriptionPublic]
    count: int
