"""Trading days and session times of the US stock market.

Everything about holidays, early closes and daylight-saving time comes from
the maintained ``exchange_calendars`` library (calendar ``XNYS``); the rest of
the code asks this module and never writes a date by hand. Times are UTC
nanoseconds; US/Eastern is used only to find a trading day and its sessions.

Building the library's calendar means importing pandas and pyarrow and reading
its tables (most of a second), which a short replay would spend before its
first record. So the sessions of each whole year the library has computed are
kept in a small JSON file under the user's cache directory, keyed by the
library's version: a later process reads the year from there and imports
nothing. A new library version, a missing, unreadable or read-only cache all
fall back to asking the library.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["EASTERN", "Session", "TradingCalendar", "default_cache_dir", "trading_calendar"]

EASTERN = ZoneInfo("America/New_York")
_NS = 1_000_000_000
_PREMARKET_OPEN = dt.time(4, 0)
_AFTER_HOURS_CLOSE = dt.time(20, 0)
_REGULAR_CLOSE = dt.time(16, 0)
_CALENDAR = "XNYS"

YearSessions = dict[dt.date, tuple[int, int]]  # day -> (open_ns, close_ns)


def _ns(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * _NS + moment.microsecond * 1000


def default_cache_dir() -> Path:
    """Where the session tables are kept: ``$XDG_CACHE_HOME/tradeassist`` or ``~/.cache/...``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tradeassist"


def _library_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("exchange_calendars")
    except PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "unknown"


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


class _YearCache:
    """The library's sessions of whole years, as a JSON file per library version."""

    def __init__(self, directory: Path | None) -> None:
        self._path = (
            None if directory is None else directory / f"{_CALENDAR}-{_library_version()}.json"
        )
        self._years: dict[str, list[list[Any]]] | None = None

    def _load(self) -> dict[str, list[list[Any]]]:
        if self._years is None:
            self._years = {}
            if self._path is not None:
                try:
                    loaded = json.loads(self._path.read_text())
                    if isinstance(loaded, dict):
                        self._years = loaded
                except (OSError, ValueError):
                    pass
        return self._years

    def get(self, year: int) -> YearSessions | None:
        rows = self._load().get(str(year))
        if not isinstance(rows, list):
            return None
        try:
            return {dt.date.fromisoformat(d): (int(o), int(c)) for d, o, c in rows}
        except (TypeError, ValueError):
            return None

    def put(self, year: int, sessions: YearSessions) -> None:
        years = self._load()
        years[str(year)] = [[d.isoformat(), o, c] for d, (o, c) in sorted(sessions.items())]
        if self._path is None:
            return
        try:  # atomically, so a concurrent reader never sees half a file
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                json.dump(years, fh)
            os.replace(tmp, self._path)
        except OSError:
            pass  # a read-only cache only costs the next process the library's time


class TradingCalendar:
    """The NYSE calendar (holidays and early closes), as sessions in UTC ns.

    Days from ``start`` to ``end`` (default: 400 days from today) are known; any
    other day has no session. ``cache_dir`` holds the session tables between
    processes (None: ask the library in every process).
    """

    def __init__(
        self,
        start: dt.date = dt.date(2000, 1, 1),
        end: dt.date | None = None,
        *,
        cache_dir: Path | None = None,
    ) -> None:
        self._start = start
        self._end = end or (dt.date.today() + dt.timedelta(days=400))
        self._years = _YearCache(cache_dir)
        self._year_sessions: dict[int, YearSessions] = {}
        self._library: Any = None
        self._cache: dict[dt.date, Session | None] = {}

    def _calendar(self) -> Any:
        """The library's calendar, built on first need (imports pandas)."""
        if self._library is None:
            import exchange_calendars as xcals

            with warnings.catch_warnings():
                # exchange_calendars uses a pandas API that pandas 3 deprecates; not ours
                # to fix, and a warning line must not reach a user's terminal.
                warnings.simplefilter("ignore")
                self._library = xcals.get_calendar(
                    _CALENDAR, start=self._start.isoformat(), end=self._end.isoformat()
                )
        return self._library

    def _sessions_of(self, year: int) -> YearSessions:
        """Every session of ``year`` within the known days: day -> (open_ns, close_ns)."""
        if year in self._year_sessions:
            return self._year_sessions[year]
        whole = self._start <= dt.date(year, 1, 1) and dt.date(year, 12, 31) <= self._end
        found = self._years.get(year) if whole else None
        if found is None:
            found = self._from_library(
                max(dt.date(year, 1, 1), self._start), min(dt.date(year, 12, 31), self._end)
            )
            if whole:
                self._years.put(year, found)
        self._year_sessions[year] = found
        return found

    def _from_library(self, first: dt.date, last: dt.date) -> YearSessions:
        cal = self._calendar()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lo = max(first.isoformat(), str(cal.first_session.date()))
            hi = min(last.isoformat(), str(cal.last_session.date()))
            if lo > hi:
                return {}
            schedule = cal.schedule.loc[lo:hi]
            return {
                label.date(): (int(row.open.value), int(row.close.value))
                for label, row in zip(schedule.index, schedule.itertuples(), strict=True)
            }

    def is_session(self, day: dt.date) -> bool:
        return self.session(day) is not None

    def session(self, day: dt.date) -> Session | None:
        """The session of ``day`` (an Eastern date), or None on a weekend or holiday."""
        if day in self._cache:
            return self._cache[day]
        result: Session | None = None
        bounds = self._sessions_of(day.year).get(day) if self._start <= day <= self._end else None
        if bounds is not None:
            open_ns, close_ns = bounds
            pre = dt.datetime.combine(day, _PREMARKET_OPEN, tzinfo=EASTERN)
            post = dt.datetime.combine(day, _AFTER_HOURS_CLOSE, tzinfo=EASTERN)
            regular_close = dt.datetime.combine(day, _REGULAR_CLOSE, tzinfo=EASTERN)
            result = Session(
                day=day,
                premarket_open_ns=_ns(pre),
                open_ns=open_ns,
                close_ns=close_ns,
                after_hours_close_ns=_ns(post),
                early_close=close_ns < _ns(regular_close),
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
    """A process-wide calendar, its session tables kept under :func:`default_cache_dir`."""
    return TradingCalendar(cache_dir=default_cache_dir())
