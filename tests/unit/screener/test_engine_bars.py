"""One-minute OHLCV bars: built from prints and trades, flushed as the clock moves on."""

from __future__ import annotations

import pytest
from screener_builders import Tape, engine, et

from tradeassist.domain.bars import Bar


def test_a_bar_is_emitted_once_the_clock_leaves_its_minute() -> None:
    eng = engine({1: "AAA", 2: "BBB"})
    eng.process(Tape().trade(et("09:31:05"), 1, 10.0).trade(et("09:31:59"), 1, 10.2).array())
    assert eng.drain_bars().to_bars() == []
    eng.process(Tape().quote(et("09:32:00"), 2, 5.0, 5.1).array())  # any symbol moves the clock
    [bar] = eng.drain_bars().to_bars()
    assert bar == Bar("AAA", et("09:31"), 10.0, 10.2, 10.0, 10.2, 200, 2, pytest.approx(10.1))
    assert eng.drain_bars().to_bars() == []


def test_ohlc_from_price_prints_volume_from_every_trade() -> None:
    eng = engine()
    tape = Tape().trade(et("10:00:01"), 1, 10.0).trade(et("10:00:02"), 1, 12.0, size=50)
    tape.trade(et("10:00:03"), 1, 9.0, recv_delay_ns=20 * 10**9).trade(et("10:00:04"), 1, 10.5)
    tape.trade(et("10:00:05"), 1, None, size=300)  # no price: not a trade
    eng.process(tape.array())
    [bar] = eng.finish().to_bars()
    assert (bar.open, bar.high, bar.low, bar.close) == (10.0, 10.5, 10.0, 10.5)
    assert (bar.volume, bar.trades) == (350, 4)
    assert bar.vwap == pytest.approx((10.0 * 100 + 12.0 * 50 + 9.0 * 100 + 10.5 * 100) / 350)


def test_a_minute_of_odd_lots_carries_the_last_print() -> None:
    eng = engine()
    eng.process(Tape().trade(et("10:00"), 1, 10.0).trade(et("10:01"), 1, 11.0, size=10).array())
    first, second = eng.finish().to_bars()
    assert (second.open, second.high, second.low, second.close, second.volume) == (
        10.0,
        10.0,
        10.0,
        10.0,
        10,
    )
    assert first.start_ns == et("10:00") and second.start_ns == et("10:01")


def test_a_record_behind_the_clock_counts_in_the_current_minute() -> None:
    eng = engine({1: "AAA", 2: "BBB"})
    tape = Tape().trade(et("10:00:30"), 1, 10.0).trade(et("10:01:00"), 2, 5.0)
    tape.trade(et("10:00:59"), 1, 10.1)  # arrives after the clock reached 10:01
    eng.process(tape.array())
    bars = {(b.symbol, b.start_ns): b for b in eng.finish().to_bars()}
    assert bars[("AAA", et("10:00"))].volume == 100
    assert bars[("AAA", et("10:01"))].close == 10.1
    assert len(bars) == 3


def test_no_bars_outside_four_to_eight_and_none_when_disabled() -> None:
    eng = engine()
    eng.process(Tape().trade(et("03:59"), 1, 10.0).trade(et("20:00"), 1, 10.0).array())
    assert eng.finish().to_bars() == []
    off = engine(bars=False)
    off.process(Tape().trade(et("10:00"), 1, 10.0).trade(et("10:05"), 1, 10.0).array())
    assert off.finish().to_bars() == []


def test_a_new_day_completes_the_last_bars_of_the_previous_one() -> None:
    import datetime as dt

    eng = engine()
    eng.process(
        Tape()
        .trade(et("19:59:30"), 1, 10.0)
        .trade(et("04:00", dt.date(2026, 3, 11)), 1, 11.0)
        .array()
    )
    [bar] = eng.drain_bars().to_bars()
    assert bar.start_ns == et("19:59")
