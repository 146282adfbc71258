from __future__ import annotations

import datetime as dt
from pathlib import Path

from tradeassist.domain.alerts import format_ns
from tradeassist.market_calendar import Session, TradingCalendar, trading_calendar


def test_regular_session_in_winter_and_summer() -> None:
    cal = trading_calendar()

    winter = cal.session(dt.date(2026, 1, 15))
    summer = cal.session(dt.date(2026, 7, 15))

    assert winter is not None and summer is not None
    assert format_ns(winter.open_ns) == "2026-01-15T14:30:00.000000000Z"
    assert format_ns(summer.open_ns) == "2026-07-15T13:30:00.000000000Z"
    assert format_ns(summer.premarket_open_ns) == "2026-07-15T08:00:00.000000000Z"
    assert winter.regular_minutes == 390


def test_holidays_weekends_and_early_close() -> None:
    cal = trading_calendar()

    assert cal.session(dt.date(2026, 11, 26)) is None  # Thanksgiving
    assert cal.session(dt.date(2026, 11, 28)) is None  # Saturday
    friday = cal.session(dt.date(2026, 11, 27))
    assert friday is not None and friday.early_close
    assert format_ns(friday.close_ns) == "2026-11-27T18:00:00.000000000Z"  # 13:00 ET
    assert friday.regular_minutes == 210


def test_previous_session_skips_weekend_and_holiday() -> None:
    cal = trading_calendar()

    assert cal.previous_session_day(dt.date(2026, 11, 30)) == dt.date(2026, 11, 27)
    assert cal.previous_session_day(dt.date(2026, 11, 27)) == dt.date(2026, 11, 25)
    assert cal.next_session_day(dt.date(2026, 11, 25)) == dt.date(2026, 11, 27)


def test_eastern_trading_day_of_a_timestamp_across_dst() -> None:
    cal = trading_calendar()
    start, end = cal.day_bounds_ns(dt.date(2026, 3, 8))  # DST starts: a 23-hour day

    assert end - start == 23 * 3600 * 10**9
    assert cal.trading_day(start) == dt.date(2026, 3, 8)
    assert cal.trading_day(end - 1) == dt.date(2026, 3, 8)


def _year_of_sessions(cal: TradingCalendar, year: int) -> list[Session | None]:
    day, out = dt.date(year, 1, 1), []
    while day.year == year:
        out.append(cal.session(day))
        day += dt.timedelta(days=1)
    return out


def test_session_tables_kept_on_disk_give_the_library_sessions(tmp_path: Path) -> None:
    fresh = TradingCalendar(cache_dir=tmp_path)
    expected = _year_of_sessions(fresh, 2026)

    written = list(tmp_path.glob("XNYS-*.json"))
    from_disk = _year_of_sessions(TradingCalendar(cache_dir=tmp_path), 2026)

    assert len(written) == 1
    assert from_disk == expected
    assert expected == _year_of_sessions(TradingCalendar(cache_dir=None), 2026)
    assert sum(s is not None for s in expected) == 251  # NYSE sessions in 2026


def test_an_unreadable_session_table_falls_back_to_the_library(tmp_path: Path) -> None:
    TradingCalendar(cache_dir=tmp_path).session(dt.date(2026, 11, 27))
    for path in tmp_path.glob("XNYS-*.json"):
        path.write_text('{"2026": [["not a date", 1, 2]]')

    friday = TradingCalendar(cache_dir=tmp_path).session(dt.date(2026, 11, 27))

    assert friday is not None and friday.early_close
    assert format_ns(friday.close_ns) == "2026-11-27T18:00:00.000000000Z"
