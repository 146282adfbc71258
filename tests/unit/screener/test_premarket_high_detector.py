"""premarket_high_break: first regular-session print above the 04:00-09:30 high."""

from __future__ import annotations

from screener_builders import Tape, engine, et, of_type, run


def breaks(tape: Tape) -> list[tuple[str, float]]:
    alerts = of_type(run(engine({1: "AAA", 2: "BBB"}), tape.array()), "premarket_high_break")
    return [(a.symbol, a.trigger_price) for a in alerts]


def test_first_regular_print_above_the_premarket_high_once_a_day() -> None:
    tape = (
        Tape().trade(et("04:00"), 1, 10.0).trade(et("08:00"), 1, 11.0).trade(et("09:29"), 1, 10.5)
    )
    tape.trade(et("09:30"), 1, 11.0)  # equal: no
    tape.trade(et("09:31"), 1, 11.2)  # break
    tape.trade(et("09:40"), 1, 11.5)  # once a day
    alerts = of_type(run(engine(), tape.array()), "premarket_high_break")
    assert [(a.trigger_price, a.level) for a in alerts] == [(11.2, "1")]
    assert alerts[0].conditions["premarket_high"] == 11.0
    assert alerts[0].idempotency_key == "AAA:premarket_high_break:2026-03-10:1"


def test_no_premarket_print_no_break_and_odd_lots_do_not_set_the_high() -> None:
    tape = Tape().trade(et("08:00"), 2, 5.0, size=10).trade(et("09:31"), 2, 9.0)
    tape.trade(et("08:00"), 1, 5.0, size=10).trade(et("08:30"), 1, 4.0)
    tape.trade(et("09:31"), 1, 4.5)
    assert breaks(tape) == [("AAA", 4.5)]


def test_break_is_per_symbol_within_one_batch() -> None:
    tape = Tape().trade(et("08:00"), 1, 5.0).trade(et("08:00"), 2, 7.0)
    tape.trade(et("09:31"), 1, 5.1).trade(et("09:31"), 2, 7.1).trade(et("09:32"), 1, 5.2)
    assert breaks(tape) == [("AAA", 5.1), ("BBB", 7.1)]
