"""Daily OHLCV files for the ``--daily`` backtest: CSV, plain or gzip, columns detected.

The header names the columns, in any order and case: a date (``date``,
``datetime``, ``timestamp`` or ``day``; ``YYYY-MM-DD``, a time after it is
ignored), ``open``, ``high``, ``low``, ``close``, optionally ``volume``,
``symbol``, ``dividend`` and ``split``; other columns (such as a pandas index)
are ignored. Without a ``symbol`` column the symbol is the file name up to its
first ``_`` or ``.`` (``SPY_D.csv`` is SPY, ``AAPL.csv.gz`` is AAPL).

A ``split`` column (the zipline layout: the split ratio on its ex-date, 1.0
elsewhere) means the prices are split-adjusted to the end of the file; they
are turned back into the prices that traded (each price multiplied by the
ratios of every later split), so a split shows in the data as it did on the
tape, and only a corporate-actions file makes it not a gap.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tradeassist.errors import DataFileError

__all__ = ["DailySeries", "read_daily"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "datetime", "timestamp", "day"),
    "open": ("open",),
    "high": ("high",),
    "low": ("low",),
    "close": ("close",),
    "volume": ("volume",),
    "symbol": ("symbol", "ticker"),
    "split": ("split", "split_ratio", "splits"),
}
_REQUIRED = ("date", "open", "high", "low", "close")
_FLOATS = ("open", "high", "low", "close", "volume", "split")


@dataclass(frozen=True, slots=True)
class DailySeries:
    """One symbol's sessions, oldest first: prices as traded (dollars), volume (shares)."""

    symbol: str
    days: list[dt.date]
    open: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    close: npt.NDArray[np.float64]
    volume: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.days)


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DataFileError(f"{path}: cannot read the daily file ({reason})") from exc
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile) as exc:
        raise DataFileError(f"{path}: not a daily CSV file (plain or gzip)") from exc


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    missing = [c for c in _REQUIRED if c not in found]
    if missing:
        raise DataFileError(
            f"{path}:1: a daily file needs the columns {','.join(_REQUIRED)}; missing"
            f" {','.join(missing)}"
        )
    return found


def _symbol_from_name(path: Path) -> str:
    return path.name.split(".", 1)[0].split("_", 1)[0].upper()


def read_daily(path: Path) -> DailySeries:
    """Read one daily file (see the module docstring); DataFileError when unusable."""
    path = Path(path)
    reader = csv.reader(io.StringIO(_text(path)))
    header = next(reader, None)
    if header is None:
        raise DataFileError(f"{path}: the daily file is empty")
    cols = _columns(path, header)
    rows: dict[dt.date, dict[str, float]] = {}
    symbol = ""
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        try:
            day = dt.date.fromisoformat(row[cols["date"]].strip()[:10])
            values = {k: float(row[i]) if row[i].strip() else math.nan for k, i in cols.items()
                      if k in _FLOATS}  # fmt: skip
        except (ValueError, IndexError):
            raise DataFileError(f"{path}:{line}: not a date and numbers") from None
        if "symbol" in cols and not symbol:
            symbol = row[cols["symbol"]].strip().upper()
        if day in rows:
            raise DataFileError(f"{path}:{line}: {day} appears twice")
        rows[day] = values
    if not rows:
        raise DataFileError(f"{path}: the daily file has no rows")
    days = sorted(rows)

    def column(name: str, default: float) -> npt.NDArray[np.float64]:
        return np.array([rows[d].get(name, default) for d in days], np.float64)

    split = np.nan_to_num(column("split", 1.0), nan=1.0)
    split[split <= 0] = 1.0
    # Price of day i as traded = adjusted price x the ratios of the splits after day i.
    later = np.concatenate((np.cumprod(split[::-1])[::-1][1:], [1.0]))
    return DailySeries(
        symbol=symbol or _symbol_from_name(path),
        days=days,
        open=column("open", math.nan) * later,
        high=column("high", math.nan) * later,
        low=column("low", math.nan) * later,
        close=column("close", math.nan) * later,
        volume=column("volume", math.nan) / later,
    )
