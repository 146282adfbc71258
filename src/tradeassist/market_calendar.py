"""Trading days and session times of the US stock market.

Everything about holidays, early closes and daylight-saving time comes from
the maintained ``exchange_calendars`` library (calendar ``XNYS``); the rest of
the code asks this module and never writes a date by hand. Times are UTC
nanoseconds; US/Eastern is used only to find a trading day and its sessions.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

__all__ = ["EASTERN", "Session", "TradingCalendar", "trading_calendar"]

EASTERN = ZoneInfo("America/New_York")
_NS = 1_000_000_000
_PREMARKET_OPEN = dt.time(4, 0)
_AFTER_HOURS_CLOSE = dt.time(20, 0)


def _ns(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * _NS + moment.microsecond * 1000


@dataclass(frozen=True, slots=True)
class Session:
    """One trading day's boundaries, in UTC nanoseconds."""

    day: dt.date
    premarket_open_ns: int
    open_ns: int
    close_ns: int
    after_hours_close_ns: int
    early_close: bool

    @property
    def regular_minutes(self) -> int:
        return (self.close_ns - self.open_ns) // (60 * _NS)


class TradingCalendar:
    """The NYSE calendar (holidays and early closes), as sessions in UTC ns."""

    def __init__(self, start: dt.date = dt.date(2000, 1, 1), end: dt.date | None = None) -> None:
        last = end or (dt.date.today() + dt.timedelta(days=400))
        with warnings.catch_warnings():
            # exchange_calendars uses a pandas API that pandas 3 deprecates; not ours to fix,
            # and a warning line must not reach a user's terminal.
            warnings.simplefilter("ignore")
            self._cal = xcals.get_calendar("XNYS", start=start.isoformat(), end=last.isoformat())
        self._cache: dict[dt.date, Session | None] = {}

    def is_session(self, day: dt.date) -> bool:
        return self.session(day) is not None

    def session(self, day: dt.date) -> Session | None:
        """The session of ``day`` (an Eastern date), or None on a weekend or holiday."""
        if day in self._cache:
            return self._cache[day]
        label = pd.Timestamp(day)
        result: Session | None = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            known = self._cal.first_session <= label <= self._cal.last_session
            is_session = known and bool(self._cal.is_session(label))
            if is_session:
                open_ts = self._cal.session_open(label).to_pydatetime()
                close_ts = self._cal.session_close(label).to_pydatetime()
        if is_session:
            pre = dt.datetime.combine(day, _PREMARKET_OPEN, tzinfo=EASTERN)
            post = dt.datetime.combine(day, _AFTER_HOURS_CLOSE, tzinfo=EASTERN)
            regular_close = dt.datetime.combine(day, dt.time(16, 0), tzinfo=EASTERN)
            result = Session(
                day=day,
                premarket_open_ns=_ns(pre),
                open_ns=_ns(open_ts),
                close_ns=_ns(close_ts),
                after_hours_close_ns=_ns(post),
                early_close=close_ts < regular_close,
            )
        self._cache[day] = result
        return result

    def previous_session_day(self, day: dt.date) -> dt.date:
        """The last trading day strictly before ``day``."""
        probe = day - dt.timedelta(days=1)
        for _ in range(15):
            if self.is_session(probe):
                return probe
            probe -= dt.timedelta(days=1)
        raise ValueError(f"no trading session in the two weeks before {day}")

    def next_session_day(self, day: dt.date) -> dt.date:
        """The first trading day strictly after ``day``."""
        probe = day + dt.timedelta(days=1)
        for _ in range(15):
            if self.is_session(probe):
                return probe
            probe += dt.timedelta(days=1)
        raise ValueError(f"no trading session in the two weeks after {day}")

    @staticmethod
    def eastern_date(ts_ns: int) -> dt.date:
        """The US/Eastern calendar date of a UTC nanosecond timestamp."""
        return dt.datetime.fromtimestamp(ts_ns // _NS, tz=EASTERN).date()

    def trading_day(self, ts_ns: int) -> dt.date:
        """The trading day a moment belongs to: its Eastern date (which may be no session)."""
        return self.eastern_date(ts_ns)

    @staticmethod
    def day_bounds_ns(day: dt.date) -> tuple[int, int]:
        """UTC ns of Eastern midnight starting ``day`` and the next one (23-25 h apart)."""
        start = dt.datetime.combine(day, dt.time(0), tzinfo=EASTERN)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=EASTERN)
        return _ns(start), _ns(end)


@lru_cache(maxsize=1)
def trading_calendar() -> TradingCalendar:
    """A process-wide calendar: building one reads the library's tables (about a second)."""
    return TradingCalendar()
