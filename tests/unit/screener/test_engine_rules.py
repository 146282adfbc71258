"""Engine-wide rules: global filters, quotes and metadata, symbols, days, ordering."""

from __future__ import annotations

import datetime as dt

from screener_builders import (
    F_LAST,
    F_MAYBE_BAD_BOOK,
    Reference,
    Tape,
    engine,
    et,
    of_type,
    run,
)

from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine

REF = {"AAA": 10.0, "BBB": 10.0}


def gap_ups(eng: ScreenerEngine, tape: Tape) -> list[tuple[str, float]]:
    return [(a.symbol, a.trigger_price) for a in of_type(run(eng, tape.array()), "gap_up")]


def test_spread_filter_judges_the_last_trusted_quote_unless_the_book_is_flagged() -> None:
    config = ScreenerConfig(max_spread_pct=1.0)
    wide = Tape().quote(et("09:31"), 1, 10.0, 10.5).trade(et("09:32"), 1, 10.4)
    assert gap_ups(engine(prev_close=REF, config=config), wide) == []
    tight = Tape().quote(et("09:31"), 1, 10.35, 10.4).trade(et("09:32"), 1, 10.4)
    assert gap_ups(engine(prev_close=REF, config=config), tight) == [("AAA", 10.4)]
    flagged = Tape().quote(et("09:31"), 1, 10.0, 10.5)
    flagged.trade(et("09:32"), 1, 10.4, flags=F_LAST | F_MAYBE_BAD_BOOK)
    [alert] = of_type(run(engine(prev_close=REF, config=config), flagged.array()), "gap_up")
    assert alert.metadata == {"bid": 10.0, "ask": 10.5, "spread": 0.5}


def test_untrusted_quotes_never_reach_metadata() -> None:
    tape = Tape().quote(et("09:31"), 1, 10.3, 10.31)
    tape.quote(et("09:31:30"), 1, 1.0, 99.0, flags=F_MAYBE_BAD_BOOK)
    tape.trade(et("09:32"), 1, 10.4, bid=1.0, ask=99.0, flags=F_LAST | F_MAYBE_BAD_BOOK)
    [alert] = of_type(run(engine(prev_close=REF), tape.array()), "gap_up")
    assert alert.metadata == {"bid": 10.3, "ask": 10.31, "spread": 0.01}


def test_metadata_null_without_quotes_and_one_sided_book() -> None:
    [bare] = run(engine(prev_close=REF), Tape().trade(et("09:32"), 1, 10.4).array())
    assert bare.metadata == {"bid": None, "ask": None, "spread": None}
    one_sided = Tape().quote(et("09:31"), 1, 10.3, None).trade(et("09:32"), 1, 10.4)
    [alert] = run(engine(prev_close=REF), one_sided.array())
    assert alert.metadata == {"bid": 10.3, "ask": None, "spread": None}


def test_min_day_volume_counts_every_trade_of_the_day() -> None:
    config = ScreenerConfig(min_day_volume=1_000)
    tape = Tape().trade(et("08:00"), 1, 10.0, size=800).trade(et("09:31"), 1, 10.4)
    tape.trade(et("09:32"), 1, 10.41, size=99).trade(et("09:33"), 1, 10.45)
    assert gap_ups(engine(prev_close=REF, config=config), tape) == [("AAA", 10.45)]


def test_unmapped_instruments_are_ignored_and_a_remap_moves_the_id() -> None:
    eng = engine({1: "AAA"}, prev_close=REF)
    assert gap_ups(eng, Tape().trade(et("09:31"), 7, 10.4).trade(et("09:31"), 1, 10.4)) == [
        ("AAA", 10.4)
    ]
    eng.set_symbols({1: "BBB"})
    assert gap_ups(eng, Tape().trade(et("09:32"), 1, 10.5)) == [("BBB", 10.5)]
    eng.set_symbols({2: "AAA"})  # AAA keeps its slot and state: its level 3 is reached
    assert gap_ups(eng, Tape().trade(et("09:33"), 2, 10.45)) == []


def test_symbols_added_mid_day_get_their_reference() -> None:
    eng = engine({1: "AAA"}, prev_close=REF)
    gap_ups(eng, Tape().trade(et("09:31"), 1, 10.0))
    eng.set_symbols({2: "BBB"})
    assert gap_ups(eng, Tape().trade(et("09:32"), 2, 10.4)) == [("BBB", 10.4)]


def test_a_new_day_resets_state_and_reads_its_reference() -> None:
    reference = Reference(prev_close=dict(REF))
    eng = ScreenerEngine(config=ScreenerConfig(), reference=reference, calendar=trading_calendar())
    eng.set_symbols({1: "AAA"})
    day2 = dt.date(2026, 3, 11)
    tape = Tape().trade(et("09:31"), 1, 10.4).trade(et("09:31", day2), 1, 10.4)
    alerts = of_type(run(eng, tape.array()), "gap_up")
    assert [a.trading_day for a in alerts] == ["2026-03-10", "2026-03-11"]
    assert reference.days == [dt.date(2026, 3, 10), day2]


def test_weekend_and_holiday_records_update_nothing() -> None:
    reference = Reference(prev_close=dict(REF))
    eng = ScreenerEngine(config=ScreenerConfig(), reference=reference, calendar=trading_calendar())
    eng.set_symbols({1: "AAA"})
    saturday, good_friday = dt.date(2026, 3, 14), dt.date(2026, 4, 3)
    tape = Tape().trade(et("10:00", saturday), 1, 20.0).trade(et("10:00", good_friday), 1, 20.0)
    assert run(eng, tape.array()) == []
    assert eng.finish().to_bars() == []
    assert reference.days == []


def test_sessions_follow_daylight_saving_time() -> None:
    friday, monday = dt.date(2026, 3, 6), dt.date(2026, 3, 9)  # EST, then EDT
    for day in (friday, monday):
        tape = Tape().trade(et("09:30", day), 1, 10.0).trade(et("09:44:59", day), 1, 10.1)
        tape.trade(et("09:45", day), 1, 10.2)
        alerts = of_type(run(engine(), tape.array()), "new_high_of_day")
        assert [a.trigger_time_ns for a in alerts] == [et("09:45", day)], day


def test_one_print_alerts_in_detector_order() -> None:
    tape = Tape().trade(et("08:00"), 1, 10.1).trade(et("09:30"), 1, 10.1)
    tape.trade(et("09:36"), 1, 10.5)
    alerts = run(engine(prev_close=REF), tape.array())
    assert [a.alert_type for a in alerts] == [
        "gap_up",
        "premarket_high_break",
        "opening_range_breakout",
    ]
    assert {a.trigger_time_ns for a in alerts} == {et("09:36")}


def test_empty_batch_is_fine() -> None:
    eng = engine()
    assert eng.process(Tape().array()[:0]) == []
