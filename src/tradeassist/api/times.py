"""Wall-clock conversions at the API edge: aware datetimes <-> UTC nanoseconds.

Input datetimes without a zone are taken as UTC. Nanosecond timestamps fit a
signed 64-bit integer from 1677 to 2262; the API accepts 1970 to 2262.
"""

from __future__ import annotations

import datetime as dt

from tradeassist.market_calendar import EASTERN, TradingCalendar

__all__ = [
    "MAX_TIME",
    "MIN_TIME",
    "bounded_time",
    "eastern_hour",
    "from_ns",
    "to_ns",
    "today_window_ns",
]

_NS = 1_000_000_000
MIN_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_TIME = dt.datetime(2262, 1, 1, tzinfo=dt.UTC)


def bounded_time(value: dt.datetime) -> dt.datetime:
    """``value`` as aware UTC; ``ValueError`` outside 1970-2262 (validator for query params)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    aware = aware.astimezone(dt.UTC)
    if not MIN_TIME <= aware < MAX_TIME:
        raise ValueError("time must be between 1970 and 2262")
    return aware


def to_ns(value: dt.datetime) -> int:
    """UTC nanoseconds of an aware datetime (exact to the microsecond)."""
    aware = bounded_time(value)
    return int(aware.replace(microsecond=0).timestamp()) * _NS + aware.microsecond * 1000


def from_ns(ts_ns: int) -> dt.datetime:
    """An aware UTC datetime (microsecond precision) from UTC nanoseconds."""
    seconds, nanos = divmod(ts_ns, _NS)
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).replace(microsecond=nanos // 1000)


def today_window_ns(now_ns: int) -> tuple[dt.date, int, int]:
    """The US/Eastern date of ``now_ns`` and its [start, end) in UTC ns (23 to 25 hours)."""
    day = TradingCalendar.eastern_date(now_ns)
    start, end = TradingCalendar.day_bounds_ns(day)
    return day, start, end


def eastern_hour(utc_hour_index: int) -> int:
    """The US/Eastern hour of day (0-23) of the UTC hour starting at ``utc_hour_index`` × 1 h.

    Eastern offsets are whole hours, so a UTC hour maps to exactly one Eastern hour.
    """
    return dt.datetime.fromtimestamp(utc_hour_index * 3600, tz=EASTERN).hour
