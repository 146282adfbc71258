"""The lifecycle's entry and exit rules on bars, to the cent."""

from __future__ import annotations

import pytest
from backtest_builders import bar, bars, et

from tradeassist.backtest.simulate_trades import TradeRules, simulate_trade

CLOSE_NS = et("16:00")
NO_COSTS = {"slippage_bps": 0.0, "commission_per_share": 0.0}


def _trade(direction: int, price: float, path, close: float, **rules):  # type: ignore[no-untyped-def]
    merged = {"quantity": 100, "stop_pct": 1.0, "target_pct": 2.0, **NO_COSTS, **rules}
    return simulate_trade(
        direction=direction,
        trigger_price=price,
        entry_ns=et("10:00:20"),
        path=path,
        close_price=close,
        close_ns=CLOSE_NS,
        rules=TradeRules(**merged),
    )


def test_exit_at_the_close_with_slippage_and_commission() -> None:
    t = _trade(1, 100.00, bars(bar("10:01", 100, 101, 99.5, 100.5)), 101.00,
               slippage_bps=10, commission_per_share=0.005)  # fmt: skip

    assert t.entry_price == pytest.approx(100.10)  # a long pays 10 bps more
    assert t.exit_price == pytest.approx(100.899)  # and sells 10 bps lower
    assert (t.exit_reason, t.exit_ns) == ("close", CLOSE_NS)
    assert t.pnl == pytest.approx(78.90, abs=0.005)  # 79.90 - 2 x 100 x $0.005
    assert t.return_pct == pytest.approx(78.90 / 10_010, abs=1e-9)


def test_stop_fills_at_the_stop() -> None:
    t = _trade(1, 100.00, bars(bar("10:01", 100, 100.5, 98.8, 99.2)), 101.00)

    assert (t.exit_reason, t.exit_price, t.exit_ns) == ("stop", 99.00, et("10:01"))
    assert t.pnl == pytest.approx(-100.00, abs=0.005)


def test_a_bar_opening_through_the_stop_fills_at_its_open() -> None:
    path = bars(bar("10:01", 100, 100.4, 99.6, 100), bar("10:02", 98.50, 98.9, 98.0, 98.2))

    t = _trade(1, 100.00, path, 101.00)

    assert (t.exit_reason, t.exit_price) == ("stop", 98.50)
    assert t.pnl == pytest.approx(-150.00, abs=0.005)


def test_stop_and_target_in_one_bar_take_the_stop() -> None:
    t = _trade(1, 100.00, bars(bar("10:01", 100.2, 102.5, 98.9, 101)), 101.00)

    assert (t.exit_reason, t.exit_price) == ("stop", 99.00)


def test_a_bar_opening_beyond_the_target_fills_at_its_open() -> None:
    t = _trade(1, 100.00, bars(bar("10:01", 102.30, 102.5, 98.0, 99)), 101.00)

    assert (t.exit_reason, t.exit_price) == ("target", 102.30)
    assert t.pnl == pytest.approx(230.00, abs=0.005)


def test_trailing_stop_follows_the_best_price() -> None:
    path = bars(bar("10:01", 100.2, 103.0, 100.5, 102), bar("10:02", 101.5, 101.8, 100.5, 101))

    t = _trade(1, 100.00, path, 101.00, stop_pct=5.0, target_pct=None, trail_pct=2.0)

    # after 10:01 the best is 103.00, so the stop is 2% below: 100.94
    assert (t.exit_reason, t.exit_ns) == ("trailing_stop", et("10:02"))
    assert t.exit_price == pytest.approx(100.94)
    assert t.pnl == pytest.approx(94.00, abs=0.005)


def test_short_trailing_stop_and_target() -> None:
    path = bars(bar("10:01", 49.8, 49.5, 48.0, 48.2), bar("10:02", 48.5, 49.0, 48.4, 48.9))

    t = _trade(-1, 50.00, path, 48.00, stop_pct=None, target_pct=None, trail_pct=2.0)

    # the low of 48.00 pulls the stop to 48.96, reached by the 10:02 high
    assert t.exit_reason == "trailing_stop"
    assert t.exit_price == pytest.approx(48.96)
    assert t.pnl == pytest.approx(104.00, abs=0.005)


def test_short_target() -> None:
    t = _trade(-1, 50.00, bars(bar("10:01", 49.9, 49.95, 48.9, 49.0)), 48.00)

    assert (t.exit_reason, t.exit_price) == ("target", 49.00)
    assert t.pnl == pytest.approx(100.00, abs=0.005)


def test_no_bar_after_the_entry_exits_at_the_close() -> None:
    t = _trade(-1, 50.00, bars(), 49.50)

    assert (t.exit_reason, t.exit_price) == ("close", 49.50)
    assert t.pnl == pytest.approx(50.00, abs=0.005)
