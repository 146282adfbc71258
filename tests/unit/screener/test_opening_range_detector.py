"""opening_range_breakout: first print after open+5 min above the range's high."""

from __future__ import annotations

from screener_builders import Tape, engine, et, of_type, run

from tradeassist.screener.config import ScreenerConfig


def breakouts(tape: Tape, config: ScreenerConfig | None = None) -> list[tuple[int, float]]:
    alerts = of_type(run(engine(config=config), tape.array()), "opening_range_breakout")
    return [(a.trigger_time_ns, a.trigger_price) for a in alerts]


def test_first_print_above_the_first_five_minutes_high() -> None:
    tape = Tape().trade(et("09:30"), 1, 10.0).trade(et("09:34:59"), 1, 10.4)
    tape.trade(et("09:35"), 1, 10.4)  # equal: no
    tape.trade(et("09:36"), 1, 10.5)  # breakout
    tape.trade(et("09:50"), 1, 11.0)  # once a day
    assert breakouts(tape) == [(et("09:36"), 10.5)]


def test_a_print_inside_the_range_does_not_break_it() -> None:
    tape = Tape().trade(et("09:30"), 1, 10.0).trade(et("09:33"), 1, 10.8)
    assert breakouts(tape) == []


def test_no_print_in_the_range_no_breakout_and_premarket_is_not_the_range() -> None:
    tape = Tape().trade(et("09:00"), 1, 9.0).trade(et("09:40"), 1, 10.0).trade(et("09:41"), 1, 10.1)
    assert breakouts(tape) == []


def test_range_length_from_config_and_odd_lots_ignored() -> None:
    tape = Tape().trade(et("09:30"), 1, 10.0).trade(et("09:38"), 1, 10.2)
    tape.trade(et("09:40:30"), 1, 10.3, size=10).trade(et("09:41"), 1, 10.25)
    assert breakouts(tape, ScreenerConfig(opening_range_minutes=10)) == [(et("09:41"), 10.25)]
