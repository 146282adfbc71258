"""Bars are kept only where an alert needs them; sinks share one grading."""

from __future__ import annotations

import numpy as np
from backtest_builders import DAY, bar, et, flat

from tradeassist.backtest.collector import AlertCollector
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.alert_set import AlertSet, DayLabels
from tradeassist.screener.bar_output import BarSet


def _gap_set(symbols: list[str], price: float, clock: str, ordinal: int) -> AlertSet:
    calendar = trading_calendar()
    session = calendar.session(DAY)
    assert session is not None
    one = np.ones(1, np.int64)
    return AlertSet(
        alert_types=("gap_up", "gap_down"),
        kinds=0 * one,
        slot=0 * one,
        ts=et(clock) * one,
        price=round(price * 1e9) * one,
        bid=0 * one,
        ask=0 * one,
        ordinal=ordinal * one,
        detector=0,
        symbols=symbols,
        labels=DayLabels(DAY, session.premarket_open_ns),
    )


def test_only_bars_of_alerted_symbols_from_their_first_alert_are_kept() -> None:
    collector = AlertCollector(calendar=trading_calendar(), rules=None, sinks=2)
    gap = _gap_set(["AAA"], 10.00, "10:00:30", 5)

    collector.add_bars(BarSet.of_bars([flat("09:59", 9.9), flat("09:59", 20.0, "OTHER")]))
    collector.add_sets(0, [gap])
    collector.add_sets(1, [gap])
    collector.add_bars(
        BarSet.of_bars([bar("10:00", 9.9, 10.1, 9.9, 10.05), flat("10:00", 20.0, "OTHER")])
    )
    collector.add_bars(BarSet.of_bars([flat("10:01", 10.20), flat("15:59", 10.50)]))
    first, second = collector.finish()

    assert collector.bars_kept == 3  # AAA from 10:00 on; nothing of OTHER
    assert len(first) == len(second) == 1
    outcome = first.outcome(0)
    assert outcome.alert.symbol == "AAA" and outcome.alert.trigger_price == 10.00
    assert outcome.prices["1m"] == 10.20
    assert outcome.prices["close"] == 10.50
    assert second.outcome(0).returns == outcome.returns


def test_alerts_come_out_in_record_then_detector_order() -> None:
    collector = AlertCollector(calendar=trading_calendar(), rules=None, keep_alerts=True)

    collector.add_sets(
        0, [_gap_set(["BBB"], 5.0, "10:00:40", 9), _gap_set(["AAA"], 7.0, "10:00:50", 3)]
    )
    [graded] = collector.finish()

    assert [graded.alert(i).symbol for i in range(2)] == ["AAA", "BBB"]
    assert [graded.symbols[c] for c in graded.symbol.tolist()] == ["AAA", "BBB"]
