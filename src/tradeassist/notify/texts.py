"""The words of every text the assistant sends, in one place (kept short: one segment if possible).

Prices in dollars with two decimals; times in the user's own time zone.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tradeassist.domain.alerts import Alert
from tradeassist.domain.trading import PendingTrade

__all__ = [
    "PAPER_NOTICE",
    "alert_line",
    "alert_text",
    "digest_text",
    "help_text",
    "trade_line",
    "verification_text",
]

PAPER_NOTICE = "TradeAssist is paper trading only: no real orders are ever placed."
PROGRAM = "TradeAssist"
STOP_REPLY = (
    f"{PROGRAM}: you are unsubscribed and will get no more texts. Reply START to resubscribe."
)
START_REPLY = f"{PROGRAM}: you are subscribed to alert texts again. Reply STOP to unsubscribe."
UNVERIFIED_REPLY = f"{PROGRAM}: verify this number in the dashboard before texting commands."


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("America/New_York")


def _clock(at: datetime, timezone: str) -> str:
    local = at.astimezone(_zone(timezone))
    return f"{local:%H:%M} {local.tzname() or ''}".strip()


def _label(alert_type: str) -> str:
    return alert_type.replace("_", " ")


def alert_line(alert: Alert, timezone: str) -> str:
    """``AAPL gap up +3.2% $152.30 09:31 EDT``."""
    parts = [alert.symbol, _label(alert.alert_type)]
    pct = alert.conditions.get("pct_move")
    if isinstance(pct, int | float) and not isinstance(pct, bool):
        parts.append(f"{float(pct):+.1f}%")
    parts.append(f"${alert.trigger_price:,.2f}")
    parts.append(_clock(alert.trigger_time, timezone))
    return " ".join(parts)


def alert_text(alert: Alert, timezone: str) -> str:
    """One alert as a text."""
    return f"{PROGRAM}: {alert_line(alert, timezone)}"


def digest_text(alerts: Sequence[Alert], timezone: str, max_lines: int) -> str:
    """Many alerts as one text: the count, then the first ``max_lines``, then "+N more"."""
    shown = [alert_line(a, timezone) for a in alerts[:max_lines]]
    more = len(alerts) - len(shown)
    tail = f"; +{more} more" if more > 0 else ""
    return f"{PROGRAM} digest, {len(alerts)} alerts: " + "; ".join(shown) + tail


def help_text(contact: str) -> str:
    """The HELP answer carriers require: program, what it sends, costs, how to stop, support."""
    return (
        f"{PROGRAM} stock alerts (paper trading only). Text: buy AAPL at 150 stop 148 "
        "target 155, close TSLA, watch NVDA above 900, status, mute until 2pm. "
        f"Msg&data rates may apply. Reply STOP to unsubscribe. Help: {contact}."
    )


def verification_text(code: str, ttl_minutes: int) -> str:
    """The one-time code text."""
    return f"{PROGRAM} code: {code} (valid {ttl_minutes} min). Reply STOP to opt out."


def _side(side: str) -> str:
    return "BUY" if side == "long" else "SELL SHORT"


def trade_line(trade: PendingTrade) -> str:
    """``BUY 100 AAPL at 150.00, stop 148.00, target 155.00``."""
    price = "market" if trade.entry_price is None else f"{trade.entry_price:.2f}"
    text = f"{_side(trade.side)} {trade.quantity} {trade.symbol} at {price}"
    if trade.stop_loss is not None:
        text += f", stop {trade.stop_loss:.2f}"
    if trade.take_profit is not None:
        text += f", target {trade.take_profit:.2f}"
    return text
