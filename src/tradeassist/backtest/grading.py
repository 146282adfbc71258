"""Grading alerts by what the price did next, from one-minute bars (pure, vectorised).

Definitions (PRODUCT.md section 9), all measured on the symbol's one-minute
bars, the ones the screener builds for ``market_data_cache``:

* The **trigger minute** ``m`` is the minute holding the trigger time.
* **Forward return at h minutes** (``1m``, ``5m``, ``30m``): from the trigger
  price to the close of the bar of minute ``m + h``, the minute holding
  ``trigger_time + h``. That close is the last price print of that minute, so
  the price between h and h+1 minutes after the trigger. When the symbol did
  not trade in that minute, the last bar before it (not before ``m``) stands in
  (the last known price).
* **Return to the close**: to the close of the last regular-session bar (the
  minute before the session's close, 15:59 ET on a normal day), for alerts
  triggered before the close; none for alerts at or after it.
* A horizon reaching past the end of the alert's session part is measured at
  its end: the regular close for alerts before it, 20:00 ET after it.
* Returns are fractions signed in the alert's direction: ``gap_down``,
  ``new_low_of_day`` and ``vwap_loss`` are short, so a gap down that keeps
  falling has a positive return. Halts and resumptions say nothing about
  direction; they are graded as long (the plain price change) and no trade is
  simulated on them (nothing fills while a symbol is halted).
* **Excursions** over the 30-minute horizon: the best (``mfe`` >= 0) and worst
  (``mae`` <= 0) signed move from the trigger price among the close of the
  trigger minute (prints after the trigger; earlier prints of that minute are
  not part of the path) and the highs and lows of the bars of minutes ``m+1``
  to ``m+30``.
* A **hit** is a positive 30-minute return.

Prices are dollars, times UTC nanoseconds. With ``now_ns`` (live grading) a
horizon counts only once its bar is complete. Unknown figures are NaN in the
columns and None in :class:`Outcome`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.backtest.bars import BarArrays, BarTable
from tradeassist.backtest.outcomes import (
    NON_DIRECTIONAL_TYPES,
    SHORT_TYPES,
    Outcome,
    OutcomeColumns,
    direction_of,
)
from tradeassist.backtest.simulate_trades import TradeRules, simulate_many
from tradeassist.domain.alerts import Alert
from tradeassist.market_calendar import Session, TradingCalendar

__all__ = [
    "EXCURSION_MINUTES",
    "HIT_HORIZON",
    "INTRADAY_HORIZONS",
    "MINUTE_NS",
    "NON_DIRECTIONAL_TYPES",
    "SHORT_TYPES",
    "GradingWindow",
    "Outcome",
    "OutcomeColumns",
    "day_windows",
    "direction_of",
    "grade_alerts",
    "grade_columns",
    "window_for",
]

MINUTE_NS = 60_000_000_000
INTRADAY_HORIZONS: tuple[str, ...] = ("1m", "5m", "30m", "close")
_MINUTES = (1, 5, 30)
EXCURSION_MINUTES = 30
HIT_HORIZON = "30m"
_KEY_SPAN = 1 << 32  # minutes per symbol code in a search key
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class GradingWindow:
    """Where alerts' grading looks: bars with ``minute <= start < end``; ``close`` is the
    regular close for alerts before it, -1 for alerts at or after it (UTC ns)."""

    minute: I64
    end: I64
    close: I64


def day_windows(ts: I64, session: Session | None, day_end_ns: int) -> GradingWindow:
    """The windows of alerts triggered at ``ts`` on one trading day."""
    minute = ts - ts % MINUTE_NS
    if session is None:
        end = np.maximum(day_end_ns, minute + MINUTE_NS)
        return GradingWindow(minute, end, np.full(ts.shape, -1, np.int64))
    before = ts < session.close_ns
    late = np.maximum(session.after_hours_close_ns, minute + MINUTE_NS)
    return GradingWindow(
        minute,
        np.where(before, session.close_ns, late),
        np.where(before, session.close_ns, -1),
    )


def window_for(alerts: Alert | list[Alert], calendar: TradingCalendar) -> GradingWindow:
    """The windows of alerts of one trading day (or of one alert), on its session."""
    items = [alerts] if isinstance(alerts, Alert) else alerts
    day = dt.date.fromisoformat(items[0].trading_day)
    _, day_end = calendar.day_bounds_ns(day)
    ts = np.array([a.trigger_time_ns for a in items], np.int64)
    return day_windows(ts, calendar.session(day), day_end)


def grade_columns(
    table: BarTable,
    *,
    code: I64,
    direction: I64,
    tradeable: npt.NDArray[np.bool_],
    price: F64,
    window: GradingWindow,
    rules: TradeRules | None,
    now_ns: int | None = None,
) -> OutcomeColumns:
    """Grade alerts given as columns (symbol ``code`` in ``table``) on ``table``'s bars."""
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero price grades as unknown
        return _grade(table, code, direction, tradeable, price, window, rules, now_ns)


def _grade(
    table: BarTable,
    code: I64,
    direction: I64,
    tradeable: npt.NDArray[np.bool_],
    price: F64,
    window: GradingWindow,
    rules: TradeRules | None,
    now_ns: int | None,
) -> OutcomeColumns:
    n, bars = price.shape[0], table.bars
    minute, end, close = window.minute, window.end, window.close
    starts = [minute] + ([bars.start] if len(bars) else [])
    base = int(min(int(s.min()) for s in starts if s.size)) - MINUTE_NS if n else 0

    def key(c: I64, t: I64) -> I64:
        return c * _KEY_SPAN + (t - base) // MINUTE_NS

    kb = key(table.code, bars.start)
    last_bar = max(len(bars) - 1, 0)
    lo = np.searchsorted(kb, key(code, minute), "left")
    targets = np.stack(
        [np.minimum(minute + h * MINUTE_NS, end - MINUTE_NS) for h in _MINUTES]
        + [np.where(close >= 0, close - MINUTE_NS, minute)],
        axis=1,
    )
    known = np.ones(targets.shape, np.bool_) if now_ns is None else targets + MINUTE_NS <= now_ns
    known[:, 3] &= close >= 0
    j = np.searchsorted(kb, key(code[:, None], targets).ravel(), "right").reshape(targets.shape) - 1
    ok = known & (j >= lo[:, None]) & (len(bars) > 0)
    d = direction.astype(np.float64)
    prices = np.where(ok, bars.close[np.clip(j, 0, last_bar)] if len(bars) else np.nan, np.nan)
    returns = d[:, None] * (prices / price[:, None] - 1.0)
    returns[~np.isfinite(returns)] = np.nan
    mfe, mae = _excursions(kb, bars, key(code, minute), key(code, targets[:, 2]), lo, d, price)
    mfe = np.where(known[:, 2] & np.isfinite(mfe), mfe, np.nan)
    mae = np.where(known[:, 2] & np.isfinite(mae), mae, np.nan)
    r30 = returns[:, 2]
    hit = np.where(np.isnan(r30), -1, r30 > 0).astype(np.int8)
    complete = known[:, :3].all(axis=1) & (known[:, 3] | (close < 0))
    traded = np.zeros(n, np.bool_)
    if rules is not None:
        traded = complete & (close >= 0) & tradeable & (price > 0) & ~np.isnan(prices[:, 3])
    first = np.searchsorted(kb, key(code, minute + MINUTE_NS), "left")
    stop_at = np.where(traded, np.searchsorted(kb, key(code, np.maximum(close, minute)), "left"), 0)
    trades = simulate_many(
        direction=direction,
        trigger_price=price,
        first=np.where(traded, first, 0),
        stop_at=stop_at,
        bars=bars,
        close_price=np.nan_to_num(prices[:, 3]),
        close_ns=close,
        rules=rules or TradeRules(),
    )
    return OutcomeColumns(returns, prices, mfe, mae, hit, complete, traded, trades)


def _excursions(
    kb: I64, bars: BarArrays, k_minute: I64, k_last: I64, lo: I64, d: F64, price: F64
) -> tuple[F64, F64]:
    """Best and worst signed moves over the trigger minute's close and bars m+1..m+30."""
    n = price.shape[0]
    if not len(bars):
        return np.full(n, np.nan), np.full(n, np.nan)
    hi = np.searchsorted(kb, k_last, "right")
    at = np.clip(lo, 0, len(bars) - 1)
    own = (lo < hi) & (kb[at] == k_minute)  # the trigger minute's bar is there
    moved = d * (bars.close[at] / price - 1.0)
    best = np.where(own, moved, -np.inf)
    worst = np.where(own, moved, np.inf)
    first = lo + own
    for step in range(EXCURSION_MINUTES):
        idx = first + step
        inside = idx < hi
        if not inside.any():
            break
        ii = np.clip(idx, 0, len(bars) - 1)
        fav = d * (np.where(d > 0, bars.high[ii], bars.low[ii]) / price - 1.0)
        adv = d * (np.where(d > 0, bars.low[ii], bars.high[ii]) / price - 1.0)
        best = np.where(inside, np.maximum(best, fav), best)
        worst = np.where(inside, np.minimum(worst, adv), worst)
    seen = hi > lo
    return np.where(seen, np.maximum(0.0, best), np.nan), np.where(
        seen, np.minimum(0.0, worst), np.nan
    )


def grade_alerts(
    alerts: list[Alert],
    bars: BarArrays,
    window: GradingWindow,
    *,
    rules: TradeRules | None = None,
    now_ns: int | None = None,
) -> list[Outcome]:
    """Grade alerts of one symbol on its ``bars`` (``window`` has a row per alert)."""
    cols = grade_columns(
        BarTable.single(bars),
        code=np.zeros(len(alerts), np.int64),
        direction=np.array([direction_of(a.alert_type) for a in alerts], np.int64),
        tradeable=np.array([a.alert_type not in NON_DIRECTIONAL_TYPES for a in alerts], bool),
        price=np.array([a.trigger_price for a in alerts], np.float64),
        window=window,
        rules=rules,
        now_ns=now_ns,
    )
    return [Outcome.of(a, cols, i, INTRADAY_HORIZONS) for i, a in enumerate(alerts)]


def grade_alert(
    alert: Alert,
    bars: BarArrays,
    window: GradingWindow,
    *,
    rules: TradeRules | None = None,
    now_ns: int | None = None,
) -> Outcome:
    """Grade one alert on its symbol's ``bars``."""
    return grade_alerts([alert], bars, window, rules=rules, now_ns=now_ns)[0]
