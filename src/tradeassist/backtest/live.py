"""Grades stored (live) alerts once their horizons have passed, from the stored bars.

The same grading as the backtest (:func:`~tradeassist.backtest.grading.grade_alert`),
on the one-minute bars the screener stored in ``market_data_cache``. A
background task calls :func:`grade_pending_alerts` every minute or so: alerts
whose 1-minute horizon has passed get an outcome with what is known, marked
incomplete, and are graded again on later calls until every horizon (the close
included) has passed; then the outcome is complete (with the simulated
trade) and the alert is not looked at again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.backtest.bars import BarArrays
from tradeassist.backtest.grading import MINUTE_NS, Outcome, grade_alerts, window_for
from tradeassist.backtest.simulate_trades import TradeRules
from tradeassist.market_calendar import TradingCalendar, trading_calendar
from tradeassist.store.alerts import StoredAlert
from tradeassist.store.bars import list_bars
from tradeassist.store.outcomes import StoredOutcome, alerts_to_grade, upsert_outcomes

__all__ = ["SETTLE_NS", "grade_pending_alerts", "stored_outcome"]

SETTLE_NS = 2 * MINUTE_NS
"""How long after a minute ends its bar is trusted to be stored (the screener's flush)."""

_NS = 1_000_000_000


def _utc(ns: int) -> dt.datetime:
    seconds, nanos = divmod(ns, _NS)
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).replace(microsecond=nanos // 1000)


def stored_outcome(alert_id: int, outcome: Outcome) -> StoredOutcome:
    """An outcome as the store keeps it."""
    trade = outcome.trade
    return StoredOutcome(
        alert_id=alert_id,
        returns=dict(outcome.returns),
        mfe=outcome.mfe,
        mae=outcome.mae,
        trade_pnl=None if trade is None else trade.pnl,
        trade_return=None if trade is None else trade.return_pct,
        complete=outcome.complete,
    )


async def grade_pending_alerts(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    now_ns: int,
    lookback_days: int = 5,
    limit: int = 2000,
    rules: TradeRules | None = None,
    calendar: TradingCalendar | None = None,
) -> int:
    """Grade alerts of the last ``lookback_days`` whose outcome is missing or incomplete.

    ``now_ns`` is the current time (UTC ns); bars are trusted ``SETTLE_NS``
    after their minute ends. At most ``limit`` alerts per call, oldest first.
    Returns how many outcomes were written.
    """
    calendar = calendar or trading_calendar()
    rules = rules or TradeRules()
    known_ns = now_ns - SETTLE_NS
    async with session_factory() as session:
        pending = await alerts_to_grade(
            session,
            since=_utc(now_ns - lookback_days * 86_400 * _NS),
            until=_utc(known_ns - MINUTE_NS),
            limit=limit,
        )
        groups: dict[tuple[str, str], list[StoredAlert]] = defaultdict(list)
        for stored in pending:
            groups[(stored.alert.symbol, stored.alert.trading_day)].append(stored)
        written: list[StoredOutcome] = []
        for (symbol, _day), items in groups.items():
            window = window_for([s.alert for s in items], calendar)
            since, until = int(window.minute.min()), int(window.end.max())
            bars = BarArrays.of(
                await list_bars(session, symbol=symbol, since=_utc(since), until=_utc(until))
            )
            alerts = [s.alert for s in items]
            outcomes = grade_alerts(alerts, bars, window, rules=rules, now_ns=known_ns)
            written += [stored_outcome(s.id, o) for s, o in zip(items, outcomes, strict=True)]
        await upsert_outcomes(session, outcomes=written)
        await session.commit()
    return len(written)
