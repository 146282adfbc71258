"""How ``TradeLifecycle`` calls its activities: timeouts, retry policies, payload builders.

Workflow-side code (deterministic, no I/O of its own): it only schedules
activities by their registered names, so the workflow module stays about the
lifecycle itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from tradeassist.workflows.inputs import (
    Activity,
    PriceInput,
    RecordTradeInput,
    SmsInput,
    TradeInput,
    TradeOutcome,
    TradeState,
)

__all__ = ["last_price", "outcome", "record_input", "send_sms", "store"]

T = TypeVar("T")

# Database steps retry until the database is back: an exit must not be lost.
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
SMS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1), maximum_attempts=8
)
PRICE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3)
# An activity lost with a crashed worker is retried only after its timeout:
# short, since a stop may be waiting behind it. Database steps take milliseconds.
STORE_TIMEOUT = timedelta(seconds=10)
PRICE_TIMEOUT = timedelta(seconds=10)
SMS_TIMEOUT = timedelta(seconds=30)


async def store(name: str, arg: Any, result_type: type[T]) -> T:
    """Run a database activity, retried until it succeeds or fails for good."""
    result: T = await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=STORE_TIMEOUT,
        retry_policy=STORE_RETRY,
    )
    return result


async def last_price(symbol: str) -> float | None:
    """The symbol's last price in dollars; None when unknown or unavailable."""
    try:
        price: float | None = await workflow.execute_activity(
            Activity.GET_LAST_PRICE,
            PriceInput(symbol),
            result_type=float | None,  # type: ignore[arg-type]
            start_to_close_timeout=PRICE_TIMEOUT,
            retry_policy=PRICE_RETRY,
        )
    except ActivityError:
        workflow.logger.warning("no last price for %s", symbol)
        return None
    return price


async def send_sms(user_id: str, body: str, key: str) -> None:
    """Send one message; a message that cannot be sent never stops the trade."""
    try:
        await workflow.execute_activity(
            Activity.SEND_SMS,
            SmsInput(user_id, body, key),
            start_to_close_timeout=SMS_TIMEOUT,
            retry_policy=SMS_RETRY,
        )
    except ActivityError:
        workflow.logger.warning("SMS %s was not sent", key)


def record_input(workflow_id: str, trade: TradeInput, quantity: int) -> RecordTradeInput:
    return RecordTradeInput(
        workflow_id=workflow_id,
        user_id=trade.user_id,
        symbol=trade.symbol,
        side=trade.side,
        quantity=quantity,
        limit_price=trade.limit_price,
        stop_loss=trade.stop_loss,
        take_profit=trade.take_profit,
        trailing_stop_pct=trade.trailing_stop_pct,
        alert_id=trade.alert_id,
    )


def outcome(state: TradeState, status: str) -> TradeOutcome:
    return TradeOutcome(
        status=status,
        trade_id=state.trade_id,
        quantity=state.quantity,
        entry_price=state.entry_price,
        exit_price=state.exit_price,
        pnl=state.pnl,
        reason=state.reason,
    )
