"""The per-type scorecard from graded alerts."""

from __future__ import annotations

import pytest
from backtest_builders import alert, et

from tradeassist.backtest.graded import GradedSet
from tradeassist.backtest.grading import Outcome
from tradeassist.backtest.simulate_trades import SimTrade
from tradeassist.backtest.stats import summarize

HORIZONS = ("1m", "5m", "30m", "close")


def _outcome(alert_type: str, r30: float | None, pnl: float | None, exit_clock: str) -> Outcome:
    returns = {"1m": 0.001, "5m": None, "30m": r30, "close": 0.01}
    trade = None
    if pnl is not None:
        trade = SimTrade(1, 100, 10.0, et("10:00"), 10.0, et(exit_clock), "close", pnl, pnl / 1000)
    return Outcome(
        alert=alert(alert_type, 10.0, "10:00:01"),
        direction=1,
        returns=returns,
        prices={},
        mfe=0.02,
        mae=-0.01,
        hit=None if r30 is None else r30 > 0,
        trade=trade,
    )


def test_scorecard_per_type() -> None:
    outcomes = [
        _outcome("gap_up", 0.02, 30.0, "11:00"),
        _outcome("gap_up", -0.01, -10.0, "10:30"),
        _outcome("gap_up", 0.04, 20.0, "12:00"),
        _outcome("gap_up", None, None, "12:00"),
        _outcome("vwap_loss", -0.01, -5.0, "10:10"),
    ]

    stats = summarize(GradedSet.from_outcomes(outcomes, HORIZONS), hit_horizon="30m")

    gap = stats["gap_up"]
    assert (gap.count, gap.graded, gap.hits) == (4, 3, 2)
    assert gap.hit_rate == pytest.approx(2 / 3)
    assert gap.mean_return["30m"] == pytest.approx(0.05 / 3)
    assert gap.median_return["30m"] == pytest.approx(0.02)
    assert gap.mean_return["5m"] is None
    assert gap.known == {"1m": 4, "5m": 0, "30m": 3, "close": 4}
    assert gap.trades.trades == 3
    assert gap.trades.total_pnl == pytest.approx(40.0)
    assert gap.trades.profit_factor == pytest.approx(5.0)  # 50 won / 10 lost
    assert gap.trades.curve == [(et("10:30"), -10.0), (et("11:00"), 20.0), (et("12:00"), 40.0)]
    assert stats["vwap_loss"].trades.profit_factor == 0.0
    assert list(stats) == ["gap_up", "vwap_loss"]


def test_types_follow_the_product_order() -> None:
    outcomes = [
        _outcome("vwap_loss", 0.01, None, "10:10"),
        _outcome("gap_down", 0.01, None, "10:10"),
    ]

    assert list(summarize(GradedSet.from_outcomes(outcomes, HORIZONS), hit_horizon="30m")) == [
        "gap_down",
        "vwap_loss",
    ]
