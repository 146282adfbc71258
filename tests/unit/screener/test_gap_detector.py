"""gap_up / gap_down: levels, escalation, sessions, print rules, reference."""

from __future__ import annotations

from screener_builders import (
    F_BAD_TS_RECV,
    NS,
    Tape,
    engine,
    et,
    of_type,
    run,
)

from tradeassist.screener.config import ScreenerConfig

REF = {"AAA": 100.0}


def gaps(tape: Tape, **kw: object) -> list[tuple[str, str, float]]:
    eng = engine(prev_close=REF, **kw)  # type: ignore[arg-type]
    alerts = run(eng, tape.array())
    return [
        (a.alert_type, a.level, a.trigger_price) for a in alerts if a.alert_type.startswith("gap")
    ]


def test_exactly_three_percent_fires_at_level_three_premarket() -> None:
    tape = Tape().trade(et("07:00"), 1, 102.99).trade(et("07:01"), 1, 103.00)
    assert gaps(tape) == [("gap_up", "3", 103.0)]


def test_levels_escalate_once_each_and_a_jump_fires_only_the_highest() -> None:
    tape = Tape()
    for clock, price in [
        ("08:00", 103.5),  # 3
        ("08:01", 104.0),  # still 3: nothing
        ("08:02", 101.0),  # back below: nothing
        ("08:03", 103.9),  # 3 again: nothing
        ("08:04", 112.0),  # crosses 5 and 10 at once: one alert, 10
        ("08:05", 119.0),  # nothing
        ("09:40", 125.0),  # 20 in the regular session
    ]:
        tape.trade(et(clock), 1, price)
    assert gaps(tape) == [("gap_up", "3", 103.5), ("gap_up", "10", 112.0), ("gap_up", "20", 125.0)]


def test_gap_down_mirrors_and_is_independent_of_gap_up() -> None:
    tape = (
        Tape().trade(et("09:31"), 1, 103.0).trade(et("09:32"), 1, 95.0).trade(et("09:33"), 1, 89.0)
    )
    assert gaps(tape) == [("gap_up", "3", 103.0), ("gap_down", "5", 95.0), ("gap_down", "10", 89.0)]


def test_alert_carries_conditions_and_idempotency_key() -> None:
    eng = engine(prev_close=REF)
    [alert] = run(eng, Tape().trade(et("09:31"), 1, 96.5).array())
    assert alert.alert_type == "gap_down"
    assert alert.conditions == {"pct_move": -3.5, "previous_close": 100.0, "level": 3.0}
    assert alert.idempotency_key == "AAA:gap_down:2026-03-10:3"
    assert alert.trigger_time_ns == et("09:31")


def test_after_hours_and_before_four_do_not_gap() -> None:
    tape = Tape().trade(et("03:59:59"), 1, 110.0).trade(et("16:00"), 1, 110.0)
    tape.trade(et("19:00"), 1, 130.0)
    assert gaps(tape) == []


def test_early_close_day_after_one_pm_is_after_hours() -> None:
    day = __import__("datetime").date(2026, 11, 27)  # the day after Thanksgiving: 13:00 close
    tape = Tape().trade(et("12:59", day), 1, 103.0).trade(et("13:01", day), 1, 106.0)
    assert gaps(tape) == [("gap_up", "3", 103.0)]


def test_odd_lots_and_late_prints_never_gap_but_bad_ts_recv_skips_the_late_test() -> None:
    tape = Tape()
    tape.trade(et("09:35"), 1, 104.0, size=99)  # odd lot
    tape.trade(et("09:36"), 1, 104.0, recv_delay_ns=11 * NS)  # late print
    tape.trade(
        et("09:37"), 1, 106.0, recv_delay_ns=11 * NS, flags=F_BAD_TS_RECV
    )  # ts_recv unreliable
    assert gaps(tape) == [("gap_up", "5", 106.0)]


def test_undefined_price_never_triggers() -> None:
    tape = Tape().trade(et("09:35"), 1, None, size=500)
    assert gaps(tape) == []


def test_symbol_missing_from_reference_raises_no_gap() -> None:
    eng = engine({1: "AAA", 2: "ZZZ"}, prev_close=REF)
    tape = Tape().trade(et("09:35"), 2, 500.0).trade(et("09:35"), 1, 104.0)
    assert [(a.symbol, a.alert_type) for a in run(eng, tape.array())] == [("AAA", "gap_up")]


def test_min_price_filter_and_a_filtered_print_does_not_consume_the_level() -> None:
    config = ScreenerConfig(min_price=103.5)
    tape = Tape().trade(et("09:35"), 1, 103.2).trade(et("09:36"), 1, 103.6)
    assert gaps(tape, config=config) == [("gap_up", "3", 103.6)]


def test_custom_levels_from_config() -> None:
    config = ScreenerConfig(gap_levels=(1.5, 2.5))
    tape = Tape().trade(et("09:35"), 1, 101.5).trade(et("09:36"), 1, 102.6)
    assert gaps(tape, config=config) == [("gap_up", "1.5", 101.5), ("gap_up", "2.5", 102.6)]


def test_no_cooldown_between_levels() -> None:
    tape = Tape().trade(et("09:35"), 1, 103.0).trade(et("09:35:01"), 1, 105.0)
    alerts = of_type(run(engine(prev_close=REF), tape.array()), "gap_up")
    assert [a.level for a in alerts] == ["3", "5"]
