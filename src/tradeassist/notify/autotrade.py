"""Auto-trade: an alert matching a subscription marked ``auto_trade`` proposes a paper trade.

The proposal goes to the :class:`~tradeassist.domain.trading.TradeDesk`,
which starts a ``TradeLifecycle`` that still asks the user for YES by SMS
before anything is entered (paper only). Which way to trade follows the
alert's direction:

- long: ``gap_up``, ``new_high_of_day``, ``premarket_high_break``,
  ``opening_range_breakout``, ``vwap_reclaim``;
- short: ``gap_down``, ``new_low_of_day``, ``vwap_loss``;
- none (skipped): ``volume_spike`` (no direction), ``trading_halt`` and
  ``trading_resume`` (no price to trade at), and unknown types.

Size: the subscription's shares, else its dollars at risk (else
``auto_trade_risk``) over the distance to the stop; the stop is
``stop_pct`` percent beyond the alert's price (else ``auto_trade_stop_pct``),
the target ``target_pct`` percent the other way when given. The desk starts
one workflow per (alert, user), so a retried proposal starts nothing new.
"""

from __future__ import annotations

import logging
from typing import Literal

from tradeassist.domain.alerts import Alert
from tradeassist.domain.commands import OpenPositionCommand
from tradeassist.domain.trading import TradeDesk
from tradeassist.errors import TradeAssistError
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.matching import AutoTrade
from tradeassist.notify.model import Notice
from tradeassist.workflows.risk import position_size

__all__ = ["LONG_TYPES", "SHORT_TYPES", "AutoTradeChannel", "auto_trade_command", "side_of"]

_log = logging.getLogger(__name__)

LONG_TYPES = frozenset(
    {"gap_up", "new_high_of_day", "premarket_high_break", "opening_range_breakout", "vwap_reclaim"}
)
SHORT_TYPES = frozenset({"gap_down", "new_low_of_day", "vwap_loss"})


def side_of(alert_type: str) -> Literal["long", "short"] | None:
    """The side an auto-trade takes on this alert type; None: not traded."""
    if alert_type in LONG_TYPES:
        return "long"
    if alert_type in SHORT_TYPES:
        return "short"
    return None


def auto_trade_command(
    alert: Alert, plan: AutoTrade, config: NotifyConfig
) -> OpenPositionCommand | None:
    """The trade to propose for ``alert`` under ``plan``; None when the type is not traded."""
    side = side_of(alert.alert_type)
    price = float(alert.trigger_price)
    if side is None or price <= 0:
        return None
    sign = 1.0 if side == "long" else -1.0
    stop_pct = plan.stop_pct if plan.stop_pct is not None else config.auto_trade_stop_pct
    stop = round(price * (1 - sign * stop_pct / 100), 2)
    target = None
    if plan.target_pct is not None:
        target = round(price * (1 + sign * plan.target_pct / 100), 2)
    quantity = plan.quantity
    if quantity is None:
        quantity = position_size(
            side=side,
            risk_dollars=plan.risk if plan.risk is not None else config.auto_trade_risk,
            entry=price,
            stop_loss=stop,
            trailing_stop_pct=None,
        )
    return OpenPositionCommand(
        side=side, symbol=alert.symbol, quantity=quantity, stop_loss=stop, take_profit=target
    )


class AutoTradeChannel:
    """The ``trade`` channel: proposes the notice's alert as a paper trade to the desk."""

    name = "trade"

    def __init__(self, desk: TradeDesk, config: NotifyConfig | None = None) -> None:
        self._desk = desk
        self._config = config or NotifyConfig()

    async def deliver(self, notice: Notice) -> None:
        ref = notice.alerts[0]
        for sub in notice.subscriptions:
            if sub.auto_trade is None:
                continue
            try:
                command = auto_trade_command(ref.alert, sub.auto_trade, self._config)
            except TradeAssistError as exc:  # e.g. the risk buys no share: nothing to propose
                _log.info("auto-trade of alert %s skipped: %s", ref.id, exc.message)
                return
            if command is None:
                return
            try:
                await self._desk.propose(user_id=notice.user.id, command=command, alert_id=ref.id)
            except TradeAssistError as exc:  # refused for good (kill switch ...): settled
                _log.info("auto-trade of alert %s refused: %s", ref.id, exc.message)
            return  # one trade per alert and user, however many subscriptions ask
