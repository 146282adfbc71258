"""The payloads of the trade lifecycle: one dataclass per workflow, signal, query and activity.

Only plain fields (str, int, float, bool, None) so every payload survives
Temporal's JSON converter and stays readable in a history. Prices are dollars,
quantities whole shares, percentages 0-100, times UTC nanoseconds (``*_ns``),
durations seconds (``*_s``). Activity names are constants here so the
workflow, the real activities and the tests' fakes agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "TASK_QUEUE",
    "WORKFLOW_NAME",
    "Activity",
    "Answer",
    "CloseRequest",
    "CloseTradeInput",
    "ClosedTrade",
    "EndTradeInput",
    "MoveStop",
    "OpenTradeInput",
    "OpenTradeResult",
    "PriceCrossing",
    "PriceInput",
    "RecordTradeInput",
    "SessionCloseInput",
    "SmsInput",
    "TradeInput",
    "TradeOutcome",
    "TradeState",
    "UpdateStopInput",
]

TASK_QUEUE = "tradeassist-trades"
WORKFLOW_NAME = "TradeLifecycle"


class Activity:
    """The registered names of the lifecycle's activities."""

    RECORD_TRADE = "record_trade"
    GET_LAST_PRICE = "get_last_price"
    SEND_SMS = "send_sms"
    OPEN_TRADE = "open_trade"
    NEXT_SESSION_CLOSE = "next_session_close"
    UPDATE_STOP = "update_stop"
    CLOSE_TRADE = "close_trade"
    END_TRADE = "end_trade"


# --- the workflow ------------------------------------------------------------------


@dataclass
class TradeInput:
    """Start of a ``TradeLifecycle``: one proposed paper trade.

    Without ``quantity`` the size is set by risk: ``risk_dollars`` divided by
    the distance from the entry to the stop (fixed or trailing).
    ``confirm_timeout_s`` is how long the YES may take; ``daily_loss_limit``
    (dollars, None: off) is checked again when the entry fills.
    """

    user_id: str
    symbol: str
    side: str  # "long" | "short"
    quantity: int | None = None
    risk_dollars: float | None = None
    limit_price: float | None = None
    stop_loss: float | None = None
    take_profit: float | None = None
    trailing_stop_pct: float | None = None
    alert_id: int | None = None
    confirm_timeout_s: float = 300.0
    daily_loss_limit: float | None = None
    exit_at_close: bool = True


@dataclass
class TradeOutcome:
    """How a lifecycle ended: ``status`` closed, cancelled or expired."""

    status: str
    trade_id: int | None
    quantity: int | None = None
    entry_price: float | None = None
    exit_price: float | None = None
    pnl: float | None = None
    reason: str | None = None


@dataclass
class TradeState:
    """The ``state`` query: where the trade is now (``effective_stop`` includes trailing)."""

    trade_id: int | None
    user_id: str
    symbol: str
    side: str
    status: str
    quantity: int | None = None
    entry_price: float | None = None
    exit_price: float | None = None
    stop_loss: float | None = None
    take_profit: float | None = None
    trailing_stop_pct: float | None = None
    effective_stop: float | None = None
    extreme: float | None = None
    pnl: float | None = None
    reason: str | None = None


# --- signals -----------------------------------------------------------------------


@dataclass
class Answer:
    """The user's YES (``confirmed``) or NO."""

    confirmed: bool


@dataclass
class PriceCrossing:
    """A price that crossed one of the position's levels; ``best`` is the best price seen since."""

    price: float
    at_ns: int
    best: float | None = None


@dataclass
class CloseRequest:
    """Close now (open) or cancel (pending); ``reason``: user, kill_switch ..."""

    reason: str = "user"


@dataclass
class MoveStop:
    stop_loss: float


# --- activities ----------------------------------------------------------------------


@dataclass
class RecordTradeInput:
    workflow_id: str
    user_id: str
    symbol: str
    side: str
    quantity: int
    limit_price: float | None = None
    stop_loss: float | None = None
    take_profit: float | None = None
    trailing_stop_pct: float | None = None
    alert_id: int | None = None


@dataclass
class PriceInput:
    symbol: str


@dataclass
class SmsInput:
    """One message to a user; ``key`` (workflow id and step) makes sending it idempotent."""

    user_id: str
    body: str
    key: str


@dataclass
class OpenTradeInput:
    workflow_id: str
    price: float
    daily_loss_limit: float | None = None


@dataclass
class OpenTradeResult:
    """``opened`` False with a ``reason`` when a risk control refused the entry."""

    opened: bool
    entry_price: float | None = None
    entry_ns: int | None = None
    reason: str | None = None


@dataclass
class SessionCloseInput:
    after_ns: int


@dataclass
class UpdateStopInput:
    workflow_id: str
    stop_loss: float
    reason: str


@dataclass
class CloseTradeInput:
    workflow_id: str
    price: float
    reason: str


@dataclass
class ClosedTrade:
    exit_price: float
    exit_ns: int
    pnl: float


@dataclass
class EndTradeInput:
    """End a trade that never opened: ``status`` cancelled or expired."""

    workflow_id: str
    status: str
    reason: str
