"""Reading daily OHLCV files: columns detected, split-adjusted prices turned back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tradeassist.backtest.daily_files import read_daily
from tradeassist.errors import DataFileError

DAILY = Path(__file__).resolve().parents[2] / "data" / "daily"


def test_pandas_layout_with_an_index_column() -> None:
    spy = read_daily(DAILY / "SPY_D.csv")

    i = spy.days.index(dt.date(2020, 3, 16))
    assert spy.symbol == "SPY"
    assert (spy.open[i], spy.high[i], spy.low[i], spy.close[i]) == (241.18, 256.9, 237.36, 239.85)
    assert spy.days == sorted(spy.days)


def test_zipline_layout_is_turned_back_into_traded_prices() -> None:
    aapl = read_daily(DAILY / "AAPL.csv.gz")

    eve = aapl.days.index(dt.date(2014, 6, 6))
    assert aapl.symbol == "AAPL"
    assert aapl.close[eve] == pytest.approx(645.57, abs=0.005)  # 92.224289 x 7
    assert aapl.open[eve + 1] == pytest.approx(92.70, abs=0.005)  # the ex-date as traded
    assert aapl.volume[eve] == pytest.approx(87_484_600 / 7)


def test_symbol_column_and_any_column_order(tmp_path: Path) -> None:
    path = tmp_path / "whatever.csv"
    path.write_text("Close,Symbol,Low,High,Open,Date\n10,xyz,9,11,9.5,2024-01-02\n")

    series = read_daily(path)

    assert series.symbol == "XYZ"
    assert (series.open[0], series.close[0]) == (9.5, 10.0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,open,close\n2024-01-02,1,2\n", "missing high,low"),
        ("date,open,high,low,close\n", "no rows"),
        ("date,open,high,low,close\nnot-a-date,1,2,0.5,1\n", ":2: not a date"),
        ("", "empty"),
    ],
)
def test_unusable_files_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "BAD.csv"
    path.write_text(content)

    with pytest.raises(DataFileError, match=message):
        read_daily(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        read_daily(tmp_path / "nope.csv")
