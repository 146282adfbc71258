"""Daily-bar mode on real daily bars: SPY's March 2020 gaps, AAPL's 2014 split."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tradeassist.backtest.daily import daily_gap_outcomes
from tradeassist.backtest.daily_files import read_daily
from tradeassist.backtest.grading import Outcome
from tradeassist.backtest.simulate_trades import TradeRules
from tradeassist.feeds.corporate_actions import CorporateActions, Split

DAILY = Path(__file__).resolve().parents[2] / "data" / "daily"
LEVELS = (3.0, 5.0, 10.0, 20.0)
AAPL_SPLIT = CorporateActions([Split("AAPL", dt.date(2014, 6, 9), 7.0)])


def _gaps(name: str, actions: CorporateActions | None = None, **kw) -> dict[str, Outcome]:  # type: ignore[no-untyped-def]
    series = read_daily(DAILY / name)
    found = daily_gap_outcomes(series, gap_levels=LEVELS, min_price=1.0, actions=actions, **kw)
    return {o.alert.trading_day: o for o in found}


def test_spy_march_2020_crash_gaps_are_flagged() -> None:
    gaps = _gaps("SPY_D.csv")

    expected = {
        "2020-03-06": ("gap_down", "3"),  # 293.15 vs 302.46: -3.1%
        "2020-03-09": ("gap_down", "5"),  # 275.30 vs 297.46: -7.4%
        "2020-03-10": ("gap_up", "3"),
        "2020-03-12": ("gap_down", "5"),  # 256.00 vs 274.36: -6.7%
        "2020-03-13": ("gap_up", "5"),
        "2020-03-16": ("gap_down", "10"),  # 241.18 vs 269.32: -10.4%
    }
    for day, (alert_type, level) in expected.items():
        assert (gaps[day].alert.alert_type, gaps[day].alert.level) == (alert_type, level)
    assert "2020-03-05" not in gaps  # 304.98 vs 312.86: -2.5%


def test_daily_horizons_by_hand() -> None:
    outcome = _gaps("SPY_D.csv")["2020-03-16"]

    # short from the 241.18 open; closes 239.85 (same day), 252.80 (03-17), 246.xx (5 days on)
    assert outcome.alert.conditions["previous_close"] == 269.32
    assert outcome.returns["close"] == pytest.approx(1 - 239.85 / 241.18, abs=1e-12)
    assert outcome.returns["1d"] == pytest.approx(1 - 252.80 / 241.18, abs=1e-12)
    assert outcome.prices["5d"] is not None
    assert outcome.returns["5d"] == pytest.approx(1 - outcome.prices["5d"] / 241.18, abs=1e-12)
    assert outcome.hit is True
    assert outcome.mfe == pytest.approx(1 - 237.36 / 241.18, abs=1e-12)  # the day's low
    assert outcome.mae == pytest.approx(1 - 256.90 / 241.18, abs=1e-12)  # the day's high


def test_daily_trade_enters_at_the_open() -> None:
    rules = TradeRules(stop_pct=5.0, target_pct=None, slippage_bps=0, commission_per_share=0)

    trade = _gaps("SPY_D.csv", rules=rules)["2020-03-16"].trade

    assert trade is not None
    # short at the 241.18 open; the stop 5% above (253.239) is within the day's 256.90 high
    assert trade.exit_reason == "stop"
    assert trade.exit_price == pytest.approx(241.18 * 1.05)
    assert trade.pnl == pytest.approx(-1205.90, abs=0.005)


def test_aapl_split_day_is_not_a_gap_with_corporate_actions() -> None:
    assert "2014-06-09" not in _gaps("AAPL.csv.gz", AAPL_SPLIT)


def test_aapl_split_day_is_a_gap_without_them() -> None:
    outcome = _gaps("AAPL.csv.gz")["2014-06-09"]

    assert outcome.alert.alert_type == "gap_down"
    assert outcome.alert.level == "20"
    assert outcome.alert.conditions["previous_close"] == pytest.approx(645.57, abs=0.005)


def test_the_split_does_not_distort_later_horizons_with_corporate_actions() -> None:
    # 2014-06-05's outcome looks 5 sessions ahead, across the split
    series = read_daily(DAILY / "AAPL.csv.gz")
    i = series.days.index(dt.date(2014, 6, 5))
    with_split = daily_gap_outcomes(series, gap_levels=(0.01,), min_price=1, actions=AAPL_SPLIT)
    without = daily_gap_outcomes(series, gap_levels=(0.01,), min_price=1)
    day = series.days[i].isoformat()
    a = next(o for o in with_split if o.alert.trading_day == day)
    b = next(o for o in without if o.alert.trading_day == day)

    assert a.returns["5d"] is not None and abs(a.returns["5d"]) < 0.1
    assert b.returns["5d"] is not None and abs(b.returns["5d"]) > 0.8
