"""Reference data: each symbol's previous close and average daily volume, per trading day.

Two sources, told apart by content:

* a CSV ``symbol,prev_close,avg_volume`` (prev_close in dollars, avg_volume in
  shares per day, blank when unknown): every day gets the same values;
* a Databento ``ohlcv-1d`` DBN file (``.dbn`` or ``.dbn.zst``, any DBN version)
  of prior sessions, so one file serves a backtest of several days: for day D
  the previous close is the close of the symbol's last session before D, and
  the average volume the mean daily volume of the symbol's bars in the last 20
  sessions before D (fewer when the file has fewer). A bar's session is the
  UTC date of its ``ts_event`` (Databento stamps daily bars 00:00 UTC). When a
  symbol has bars of several publishers on one day, their volumes are summed
  and the close is that of the publisher bar with the largest volume.

With a corporate-actions file, prices from before a split's ex-date are divided
by its ratio (and daily volumes multiplied) when seen from a day on or after
it, so a split is not a gap; with a CSV, which has no dates, the previous close
is divided on the ex-date itself. With a trading calendar, daily bars dated on
a day that is not a session are ignored.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from tradeassist.errors import DataFileError, ReferenceDataError
from tradeassist.feeds.corporate_actions import CorporateActions, load_corporate_actions
from tradeassist.feeds.csv_rows import number, read_rows
from tradeassist.feeds.databento.parsing import FIXED_PRICE_SCALE, UNDEF_PRICE, SymbolInterval
from tradeassist.feeds.dbn_file import open_dbn

if TYPE_CHECKING:  # importing the calendar library takes seconds: only its users pay for it
    from tradeassist.market_calendar import TradingCalendar

__all__ = ["AVERAGE_SESSIONS", "DayReference", "ReferenceData", "load_reference"]

AVERAGE_SESSIONS = 20
"""Sessions in the average daily volume."""

_NS_PER_DAY = 86_400 * 1_000_000_000
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DBN_MAGICS = (b"DBN", b"\x28\xb5\x2f\xfd")


@dataclass(frozen=True, slots=True)
class DayReference:
    """What is known of each symbol before ``day`` opens.

    ``prev_close`` in dollars (split-adjusted to ``day``), ``avg_volume`` in
    shares per day; a symbol missing from a dict has no such figure.
    """

    day: dt.date
    prev_close: dict[str, float]
    avg_volume: dict[str, float]

    def symbols(self) -> set[str]:
        """Every symbol with a previous close or an average volume."""
        return set(self.prev_close) | set(self.avg_volume)


class _Source(Protocol):
    def figures(
        self, day: dt.date, actions: CorporateActions
    ) -> tuple[dict[str, float], dict[str, float]]: ...


class ReferenceData:
    """Reference figures for any trading day, computed once per day asked."""

    def __init__(self, source: _Source, actions: CorporateActions | None = None) -> None:
        self._source = source
        self._actions = actions or CorporateActions()
        self._days: dict[dt.date, DayReference] = {}

    def for_day(self, day: dt.date) -> DayReference:
        """Previous closes and average volumes as of the open of ``day`` (a US/Eastern date)."""
        if day not in self._days:
            closes, volumes = self._source.figures(day, self._actions)
            self._days[day] = DayReference(day, closes, volumes)
        return self._days[day]


@dataclass(frozen=True, slots=True)
class _Table:
    """A reference CSV: the same figures every day."""

    prev_close: dict[str, float]
    avg_volume: dict[str, float]

    def figures(
        self, day: dt.date, actions: CorporateActions
    ) -> tuple[dict[str, float], dict[str, float]]:
        closes = dict(self.prev_close)
        eve = day - dt.timedelta(days=1)
        for symbol in actions.symbols() & closes.keys():
            closes[symbol] /= actions.factor(symbol, eve, day)
        return closes, dict(self.avg_volume)


@dataclass(frozen=True, slots=True)
class _SymbolBars:
    days: list[int]  # date ordinals, ascending
    closes: list[float]  # dollars
    volumes: list[float]  # shares


@dataclass(frozen=True, slots=True)
class _DailyBars:
    """Daily bars by symbol, and the sessions the file covers (date ordinals)."""

    bars: dict[str, _SymbolBars]
    sessions: list[int]

    def figures(
        self, day: dt.date, actions: CorporateActions
    ) -> tuple[dict[str, float], dict[str, float]]:
        target = day.toordinal()
        before = bisect.bisect_left(self.sessions, target)
        window_start = self.sessions[max(0, before - AVERAGE_SESSIONS)] if before else target
        split_symbols = actions.symbols()
        closes: dict[str, float] = {}
        volumes: dict[str, float] = {}
        for symbol, bars in self.bars.items():
            end = bisect.bisect_left(bars.days, target)
            if end == 0:
                continue
            start = bisect.bisect_left(bars.days, window_start, 0, end)
            if symbol in split_symbols:
                factors = [
                    actions.factor(symbol, dt.date.fromordinal(d), day)
                    for d in bars.days[start:end]
                ]
                last = actions.factor(symbol, dt.date.fromordinal(bars.days[end - 1]), day)
                closes[symbol] = bars.closes[end - 1] / last
                window = [v * f for v, f in zip(bars.volumes[start:end], factors, strict=True)]
            else:
                closes[symbol] = bars.closes[end - 1]
                window = bars.volumes[start:end]
            if window:
                volumes[symbol] = sum(window) / len(window)
        return closes, volumes


def _load_table(path: Path) -> _Table:
    rows = read_rows(path, ("symbol", "prev_close", "avg_volume"), "reference data")
    if not rows:
        raise ReferenceDataError(f"{path}: reference data is empty (no rows after the header)")
    closes: dict[str, float] = {}
    volumes: dict[str, float] = {}
    for line, (symbol, close, volume) in rows:
        if not symbol:
            raise ReferenceDataError(f"{path}:{line}: empty symbol")
        if symbol in closes:
            raise ReferenceDataError(f"{path}:{line}: {symbol} appears twice")
        closes[symbol] = number(close, path, line, "prev_close", positive=True)
        if volume:
            volumes[symbol] = number(volume, path, line, "avg_volume", positive=False)
    return _Table(closes, volumes)


def _symbol_codes(
    intervals: list[SymbolInterval],
    days: npt.NDArray[np.int64],
    ids: npt.NDArray[np.uint32],
    names: list[str],
) -> npt.NDArray[np.int64]:
    """Index into ``names`` (filled here) of each bar's symbol on its day; -1 if unmapped.

    Instrument ids are unique within a day only, so each bar is looked up in the
    mapping interval of its id that covers its day.
    """
    known: dict[str, int] = {}
    iv_codes = np.array([known.setdefault(iv.symbol, len(known)) for iv in intervals], np.int64)
    names[:] = list(known)
    if not intervals:
        return np.full(len(days), -1, np.int64)
    iv_ids = np.array([iv.instrument_id for iv in intervals], np.int64)
    iv_start = np.array([iv.start_date.toordinal() for iv in intervals], np.int64)
    iv_end = np.array([iv.end_date.toordinal() for iv in intervals], np.int64)
    order = np.lexsort((iv_start, iv_ids))
    iv_ids, iv_start, iv_end, iv_codes = (
        iv_ids[order],
        iv_start[order],
        iv_end[order],
        iv_codes[order],
    )
    # One sortable key per (id, day): day ordinals stay below 2**22.
    pos = np.searchsorted((iv_ids << 22) | iv_start, (ids.astype(np.int64) << 22) | days, "right")
    pos -= 1
    found = pos >= 0
    pos = np.maximum(pos, 0)
    found &= (iv_ids[pos] == ids) & (days < iv_end[pos])
    return np.where(found, iv_codes[pos], -1)


_Columns = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[Any], list[str]
]


def _read_bars(path: Path) -> _Columns:
    """Every bar of an ohlcv-1d file as columns (symbol code, day ordinal, close in 1e-9
    dollars, volume in shares) and the symbols the codes index (code -1: unmapped)."""
    try:
        with open_dbn(path) as dbn_file:
            parts = [
                tuple(b[name].copy() for name in ("instrument_id", "ts_event", "close", "volume"))
                for b in dbn_file.iter_ohlcv()
            ]
            if not parts:
                raise ReferenceDataError(f"{path}: reference data is empty (no daily bars)")
            ids, stamps, close, volume = (np.concatenate(col) for col in zip(*parts, strict=True))
            days = (stamps // _NS_PER_DAY).astype(np.int64) + _EPOCH_ORDINAL
            names: list[str] = []
            codes = _symbol_codes(dbn_file.intervals, days, ids, names)
    except DataFileError as exc:  # missing, not DBN, truncated, another schema
        raise ReferenceDataError(str(exc)) from exc
    return codes, days, close, volume, names


def _load_bars(path: Path, calendar: TradingCalendar | None) -> _DailyBars:
    codes, days, close, volume, names = _read_bars(path)
    keep = (codes >= 0) & (close > 0) & (close != UNDEF_PRICE)
    if calendar is not None:
        dates = np.unique(days).tolist()
        sessions = [d for d in dates if calendar.is_session(dt.date.fromordinal(d))]
        keep &= np.isin(days, sessions)
    if not keep.any():
        raise ReferenceDataError(f"{path}: no usable daily bars (none mapped to a symbol)")
    codes, days, close, volume = codes[keep], days[keep], close[keep], volume[keep]
    # Group by (symbol, day), the largest-volume publisher bar last in each group.
    order = np.lexsort((volume, days, codes))
    codes, days, close, volume = codes[order], days[order], close[order], volume[order]
    new_group = np.ones(len(codes), bool)
    new_group[1:] = (codes[1:] != codes[:-1]) | (days[1:] != days[:-1])
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], len(codes)) - 1
    g_codes, g_days = codes[starts], days[starts]
    g_close = close[ends] / FIXED_PRICE_SCALE
    g_volume = np.add.reduceat(volume.astype(np.float64), starts)
    bars: dict[str, _SymbolBars] = {}
    for chunk in np.split(np.arange(len(g_codes)), np.flatnonzero(np.diff(g_codes)) + 1):
        bars[names[int(g_codes[chunk[0]])]] = _SymbolBars(
            g_days[chunk].tolist(), g_close[chunk].tolist(), g_volume[chunk].tolist()
        )
    return _DailyBars(bars, np.unique(g_days).tolist())


def _is_dbn(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ReferenceDataError(f"{path}: cannot read reference data ({reason})") from exc
    return head.startswith(_DBN_MAGICS)


def load_reference(
    path: Path,
    *,
    corporate_actions: Path | None = None,
    calendar: TradingCalendar | None = None,
) -> ReferenceData:
    """Load reference data from a CSV or an ohlcv-1d DBN file (see the module docstring).

    Raises ReferenceDataError with a one-line message naming the file (and the
    line, for a CSV) when the file is missing, unreadable, empty, of another
    schema, lacks a column, or holds a non-numeric or non-positive price.
    """
    path = Path(path)
    source: _Source = _load_bars(path, calendar) if _is_dbn(path) else _load_table(path)
    actions = load_corporate_actions(Path(corporate_actions)) if corporate_actions else None
    return ReferenceData(source, actions)
