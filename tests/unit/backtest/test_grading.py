"""Grading one alert on bars: every horizon, excursion and hit, computed by hand."""

from __future__ import annotations

import pytest
from backtest_builders import alert, bar, bars, et, flat

from tradeassist.backtest.grading import direction_of, grade_alert, window_for
from tradeassist.backtest.simulate_trades import TradeRules
from tradeassist.market_calendar import trading_calendar

CAL = trading_calendar()

# A gap down at 10:00:20 at $50.00 (short), then a known path.
PATH = bars(
    flat("09:59", 50.40),
    bar("10:00", 50.40, 50.50, 49.90, 49.95),  # its high came before the trigger
    bar("10:01", 49.95, 50.10, 49.80, 49.90),
    bar("10:02", 49.90, 50.20, 49.70, 49.75),
    # no trade 10:03 to 10:09: the 5-minute horizon falls back on 10:02
    bar("10:10", 49.75, 49.80, 49.00, 49.10),
    bar("10:30", 49.50, 49.60, 49.40, 49.50),
    bar("10:31", 49.50, 49.50, 48.00, 48.20),  # past the 30-minute window
    flat("15:59", 48.50),
    flat("16:00", 47.00),  # after hours: not the close
)


def _grade(a, path=PATH, **kw):  # type: ignore[no-untyped-def]
    return grade_alert(a, path, window_for(a, CAL), **kw)


def test_short_alert_returns_are_signed_so_a_falling_price_is_positive() -> None:
    outcome = _grade(alert("gap_down", 50.00, "10:00:20"))

    assert outcome.direction == -1
    assert outcome.prices == {"1m": 49.90, "5m": 49.75, "30m": 49.50, "close": 48.50}
    assert outcome.returns["1m"] == pytest.approx(0.002, abs=1e-12)
    assert outcome.returns["5m"] == pytest.approx(0.005, abs=1e-12)
    assert outcome.returns["30m"] == pytest.approx(0.01, abs=1e-12)
    assert outcome.returns["close"] == pytest.approx(0.03, abs=1e-12)
    assert outcome.hit is True
    assert outcome.complete is True


def test_excursions_cover_the_30_minutes_after_the_trigger_only() -> None:
    outcome = _grade(alert("gap_down", 50.00, "10:00:20"))

    # best: the 10:10 low of 49.00; worst: the 10:02 high of 50.20 (not the 10:00 high,
    # printed before the trigger, nor the 10:31 low, after the window)
    assert outcome.mfe == pytest.approx(0.02, abs=1e-12)
    assert outcome.mae == pytest.approx(-0.004, abs=1e-12)


def test_long_alert_on_the_same_path_is_the_mirror() -> None:
    outcome = _grade(alert("gap_up", 50.00, "10:00:20"))

    assert outcome.returns["30m"] == pytest.approx(-0.01, abs=1e-12)
    assert outcome.hit is False
    assert outcome.mfe == pytest.approx(0.004, abs=1e-12)
    assert outcome.mae == pytest.approx(-0.02, abs=1e-12)


def test_horizons_past_the_close_are_measured_at_the_close() -> None:
    outcome = _grade(alert("new_high_of_day", 48.00, "15:45:30"))

    assert outcome.prices["30m"] == 48.50
    assert outcome.prices["close"] == 48.50


def test_an_after_hours_alert_has_no_close_return() -> None:
    outcome = _grade(alert("volume_spike", 47.50, "16:00:10"))

    assert outcome.returns["close"] is None
    assert outcome.prices["1m"] == 47.00  # carried from the trigger minute's bar
    assert outcome.complete is True


def test_live_grading_knows_only_completed_minutes() -> None:
    a = alert("gap_down", 50.00, "10:00:20")

    outcome = _grade(a, now_ns=et("10:02:30"), rules=TradeRules())

    assert outcome.prices["1m"] == 49.90
    assert outcome.returns["5m"] is None and outcome.returns["close"] is None
    assert outcome.mfe is None and outcome.hit is None
    assert outcome.complete is False
    assert outcome.trade is None


def test_no_bar_after_the_trigger_leaves_the_horizons_unknown() -> None:
    outcome = _grade(alert("gap_up", 50.00, "10:00:20"), path=bars(flat("09:59", 50.0)))

    assert outcome.returns == {"1m": None, "5m": None, "30m": None, "close": None}
    assert outcome.hit is None


def test_the_simulated_trade_follows_the_alert_direction() -> None:
    rules = TradeRules(stop_pct=1.0, target_pct=2.0, slippage_bps=0, commission_per_share=0.005)

    trade = _grade(alert("gap_down", 50.00, "10:00:20"), rules=rules).trade

    assert trade is not None
    # short at 50.00, target 2% lower at 49.00, reached by the 10:10 low
    assert (trade.exit_reason, trade.exit_price, trade.exit_ns) == ("target", 49.00, et("10:10"))
    assert trade.pnl == pytest.approx(99.00, abs=0.005)


def test_halts_are_graded_as_long_and_never_traded() -> None:
    outcome = _grade(alert("trading_halt", 50.00, "10:00:20"), rules=TradeRules())

    assert outcome.direction == 1
    assert outcome.returns["30m"] == pytest.approx(-0.01, abs=1e-12)
    assert outcome.trade is None


@pytest.mark.parametrize(
    ("alert_type", "expected"),
    [("gap_down", -1), ("new_low_of_day", -1), ("vwap_loss", -1), ("gap_up", 1),
     ("vwap_reclaim", 1), ("volume_spike", 1), ("trading_resume", 1)],
)  # fmt: skip
def test_direction_of_each_type(alert_type: str, expected: int) -> None:
    assert direction_of(alert_type) == expected
