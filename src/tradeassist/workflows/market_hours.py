"""When an open position is closed at the end of the trading day.

Pure: the NYSE calendar (holidays, 13:00 early closes, daylight saving) comes
from :mod:`tradeassist.market_calendar`; times are UTC nanoseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tradeassist.market_calendar import TradingCalendar

__all__ = ["eastern_day_start", "session_close_after"]


def session_close_after(calendar: TradingCalendar, after_ns: int) -> int:
    """The first regular-session close strictly after ``after_ns`` (UTC ns).

    During a session that is today's close; after the close, on a weekend or
    a holiday it is the close of the next trading day.
    """
    day = calendar.trading_day(after_ns)
    session = calendar.session(day)
    if session is not None and session.close_ns > after_ns:
        return session.close_ns
    following = calendar.session(calendar.next_session_day(day))
    if following is None:  # next_session_day only returns session days
        raise ValueError(f"no session after {day}")
    return following.close_ns


def eastern_day_start(moment: datetime) -> datetime:
    """Midnight US/Eastern starting the day of ``moment``, as aware UTC (daily limits reset)."""
    day = TradingCalendar.eastern_date(int(moment.timestamp() * 1e9))
    start_ns = TradingCalendar.day_bounds_ns(day)[0]
    return datetime.fromtimestamp(start_ns // 1_000_000_000, tz=UTC)
