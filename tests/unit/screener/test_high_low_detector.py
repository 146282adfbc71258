"""new_high_of_day / new_low_of_day: regular-session range, 15-minute delay, cooldown."""

from __future__ import annotations

import datetime as dt

from screener_builders import Tape, engine, et, run

from tradeassist.domain.alerts import Alert


def highs_lows(tape: Tape) -> list[tuple[str, str, float]]:
    alerts: list[Alert] = run(engine(), tape.array())
    return [
        (a.alert_type, a.level, a.trigger_price)
        for a in alerts
        if a.alert_type in ("new_high_of_day", "new_low_of_day")
    ]


def test_no_alert_in_the_first_fifteen_minutes_then_a_new_high_fires() -> None:
    tape = Tape().trade(et("09:30"), 1, 10.0).trade(et("09:40"), 1, 10.5)
    tape.trade(et("09:44:59"), 1, 10.6).trade(et("09:45"), 1, 10.7)
    assert highs_lows(tape) == [("new_high_of_day", "09:45", 10.7)]


def test_equal_to_the_high_is_not_above_it() -> None:
    tape = Tape().trade(et("09:30"), 1, 10.0).trade(et("09:50"), 1, 10.0)
    assert highs_lows(tape) == []


def test_cooldown_while_the_high_keeps_updating() -> None:
    tape = Tape().trade(et("09:30"), 1, 10.0)
    tape.trade(et("10:00"), 1, 10.1)  # alert
    tape.trade(et("10:02"), 1, 10.5)  # in cooldown, but the high is now 10.5
    tape.trade(et("10:05:30"), 1, 10.4)  # after the cooldown but below 10.5
    tape.trade(et("10:06"), 1, 10.6)  # alert
    assert highs_lows(tape) == [
        ("new_high_of_day", "10:00", 10.1),
        ("new_high_of_day", "10:06", 10.6),
    ]


def test_new_low_mirrors_with_its_own_cooldown() -> None:
    tape = Tape().trade(et("09:30"), 1, 10.0)
    tape.trade(et("10:00"), 1, 10.1).trade(et("10:01"), 1, 9.9)
    assert highs_lows(tape) == [
        ("new_high_of_day", "10:00", 10.1),
        ("new_low_of_day", "10:01", 9.9),
    ]


def test_premarket_prints_odd_lots_and_late_prints_do_not_set_the_high() -> None:
    tape = Tape().trade(et("09:00"), 1, 20.0)  # pre-market: not the session high
    tape.trade(et("09:31"), 1, 10.0)
    tape.trade(et("09:32"), 1, 15.0, size=50)  # odd lot
    tape.trade(et("09:33"), 1, 14.0, recv_delay_ns=30 * 10**9)  # late print
    tape.trade(et("10:00"), 1, 10.5)
    assert highs_lows(tape) == [("new_high_of_day", "10:00", 10.5)]


def test_after_hours_and_early_close_afternoon_do_not_alert() -> None:
    day = dt.date(2026, 11, 27)  # closes at 13:00
    tape = Tape().trade(et("09:30", day), 1, 10.0).trade(et("12:00", day), 1, 10.5)
    tape.trade(et("13:30", day), 1, 11.0).trade(et("16:30", day), 1, 12.0)
    assert highs_lows(tape) == [("new_high_of_day", "12:00", 10.5)]


def test_first_regular_print_after_the_delay_has_no_high_to_break() -> None:
    assert highs_lows(Tape().trade(et("10:00"), 1, 10.0)) == []
