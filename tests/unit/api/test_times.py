from __future__ import annotations

import datetime as dt

from tradeassist.api.times import eastern_hour, from_ns, to_ns, today_window_ns

NS = 1_000_000_000


def ns(text: str) -> int:
    return to_ns(dt.datetime.fromisoformat(text))


def test_the_eastern_day_is_23_hours_when_clocks_spring_forward() -> None:
    day, start, end = today_window_ns(ns("2026-03-08T17:00:00+00:00"))

    assert day == dt.date(2026, 3, 8)
    assert from_ns(start) == dt.datetime(2026, 3, 8, 5, tzinfo=dt.UTC)  # EST midnight
    assert from_ns(end) == dt.datetime(2026, 3, 9, 4, tzinfo=dt.UTC)  # EDT midnight
    assert (end - start) // NS == 23 * 3600


def test_the_eastern_day_is_25_hours_when_clocks_fall_back() -> None:
    _, start, end = today_window_ns(ns("2026-11-01T17:00:00+00:00"))

    assert (end - start) // NS == 25 * 3600


def test_late_evening_utc_is_still_the_previous_eastern_day() -> None:
    day, _, _ = today_window_ns(ns("2026-03-10T03:30:00+00:00"))

    assert day == dt.date(2026, 3, 9)


def test_the_opening_hour_is_nine_eastern_in_winter_and_summer() -> None:
    winter = ns("2026-01-05T14:30:00+00:00") // (3600 * NS)
    summer = ns("2026-07-06T13:30:00+00:00") // (3600 * NS)

    assert eastern_hour(winter) == 9
    assert eastern_hour(summer) == 9


def test_nanoseconds_round_trip_to_the_microsecond() -> None:
    moment = dt.datetime(2026, 3, 10, 13, 30, 0, 123456, tzinfo=dt.UTC)

    assert from_ns(to_ns(moment)) == moment
    assert to_ns(moment.replace(tzinfo=None)) == to_ns(moment)  # naive is UTC
