from __future__ import annotations

import datetime as dt

from tradeassist.domain.alerts import format_ns
from tradeassist.market_calendar import trading_calendar


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
