"""Daily-bar mode: gap alerts from daily opens, graded at the close, 1 and 5 sessions on (pure).

A session whose open is at or beyond a gap level (``gap_levels``, percent, the
intraday detector's levels) of the previous session's close raises one
``gap_up`` or ``gap_down`` alert for the highest level crossed, as the
intraday gap detector does for a print crossing several levels; the open must
be at least ``min_price``. The previous close is the price that traded,
divided by the ratios of splits between the two sessions when corporate
actions are given (so a split is not a gap), as the reference data does.

Horizons, signed in the alert's direction like intraday ones: ``close`` (open
to the same session's close), ``1d`` and ``5d`` (open to the close 1 and 5
sessions later, split-adjusted to the alert's session). A hit is a positive
``close`` return, the horizon of the lifecycle's exit at the close.
Excursions are the session's high and low against the open. The simulated
trade enters at the open and walks the session as one bar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from tradeassist.backtest.bars import BarArrays
from tradeassist.backtest.daily_files import DailySeries
from tradeassist.backtest.grading import Outcome, direction_of
from tradeassist.backtest.simulate_trades import TradeRules, simulate_trade
from tradeassist.domain.alerts import Alert
from tradeassist.feeds.corporate_actions import CorporateActions
from tradeassist.market_calendar import EASTERN, TradingCalendar

__all__ = ["DAILY_HIT_HORIZON", "DAILY_HORIZONS", "daily_gap_outcomes", "level_label"]

DAILY_HORIZONS: tuple[str, ...] = ("close", "1d", "5d")
DAILY_HIT_HORIZON = "close"
_AHEAD = {"1d": 1, "5d": 5}
_NS = 1_000_000_000


def level_label(level: float) -> str:
    """A gap level as the intraday detector writes it: ``3``, ``2.5``."""
    return f"{level:g}"


def _open_ns(day: dt.date, calendar: TradingCalendar | None) -> int:
    session = calendar.session(day) if calendar is not None else None
    if session is not None:
        return session.open_ns
    moment = dt.datetime.combine(day, dt.time(9, 30), tzinfo=EASTERN)
    return int(moment.timestamp()) * _NS


def _close_ns(day: dt.date, calendar: TradingCalendar | None) -> int:
    session = calendar.session(day) if calendar is not None else None
    if session is not None:
        return session.close_ns
    moment = dt.datetime.combine(day, dt.time(16, 0), tzinfo=EASTERN)
    return int(moment.timestamp()) * _NS


def _gap_level(pct: float, levels: Sequence[float]) -> float | None:
    crossed = [lv for lv in levels if abs(pct) >= lv]
    return max(crossed) if crossed else None


def daily_gap_outcomes(
    series: DailySeries,
    *,
    gap_levels: Sequence[float],
    min_price: float,
    actions: CorporateActions | None = None,
    rules: TradeRules | None = None,
    calendar: TradingCalendar | None = None,
) -> list[Outcome]:
    """Gap alerts of ``series`` with their outcomes, oldest first (see the module docstring)."""
    actions = actions or CorporateActions()
    sym, days = series.symbol, series.days
    out: list[Outcome] = []
    for i in range(1, len(days)):
        day, opened = days[i], float(series.open[i])
        prev = float(series.close[i - 1]) / actions.factor(sym, days[i - 1], day)
        if not (np.isfinite(opened) and np.isfinite(prev)) or prev <= 0 or opened < min_price:
            continue
        pct = (opened / prev - 1.0) * 100.0
        level = _gap_level(pct, gap_levels)
        if level is None:
            continue
        alert = Alert(
            symbol=sym,
            alert_type="gap_up" if pct > 0 else "gap_down",
            trigger_price=opened,
            trigger_time_ns=_open_ns(day, calendar),
            trading_day=day.isoformat(),
            level=level_label(level),
            conditions={"pct_move": round(pct, 4), "previous_close": prev, "level": level},
            metadata={"bid": None, "ask": None, "spread": None},
        )
        out.append(_grade(alert, series, i, actions, rules, calendar))
    return out


def _grade(
    alert: Alert,
    series: DailySeries,
    i: int,
    actions: CorporateActions,
    rules: TradeRules | None,
    calendar: TradingCalendar | None,
) -> Outcome:
    d = direction_of(alert.alert_type)
    base = alert.trigger_price
    prices: dict[str, float | None] = {"close": float(series.close[i])}
    for name, k in _AHEAD.items():
        j = i + k
        if j < len(series):
            factor = actions.factor(series.symbol, series.days[i], series.days[j])
            prices[name] = float(series.close[j]) * factor
        else:
            prices[name] = None
    returns = {h: None if p is None else d * (p / base - 1.0) for h, p in prices.items()}
    moves = [d * (float(series.high[i]) / base - 1.0), d * (float(series.low[i]) / base - 1.0)]
    trade = None
    close = prices["close"]
    if rules is not None and close is not None:
        session = BarArrays(
            np.array([alert.trigger_time_ns], np.int64),
            series.open[i : i + 1],
            series.high[i : i + 1],
            series.low[i : i + 1],
            series.close[i : i + 1],
        )
        trade = simulate_trade(
            direction=d,
            trigger_price=base,
            entry_ns=alert.trigger_time_ns,
            path=session,
            close_price=close,
            close_ns=_close_ns(series.days[i], calendar),
            rules=rules,
        )
    hit_return = returns[DAILY_HIT_HORIZON]
    return Outcome(
        alert=alert,
        direction=d,
        returns=returns,
        prices=prices,
        mfe=max(0.0, *moves),
        mae=min(0.0, *moves),
        hit=None if hit_return is None else hit_return > 0,
        trade=trade,
    )
