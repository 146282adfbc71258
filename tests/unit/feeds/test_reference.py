"""Reference data from a CSV or ohlcv-1d DBN files, day by day, split-adjusted."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import types
from pathlib import Path

import databento_dbn as dbn
import numpy as np
import pytest

from tradeassist.errors import ReferenceDataError
from tradeassist.feeds.databento.parsing import OHLCV_DTYPE
from tradeassist.feeds.reference import load_reference
from tradeassist.market_calendar import TradingCalendar

DATA = Path(__file__).parents[2] / "data"
DBN_SAMPLES = DATA / "databento"
HEADER = "symbol,prev_close,avg_volume\n"


def _csv(tmp_path: Path, text: str, name: str = "ref.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


Bar = tuple[str, dt.date, float, int]  # symbol, session, close in dollars, volume in shares


Interval = tuple[str, int, dt.date, dt.date]  # symbol, instrument id, start, end (exclusive)


def _write_daily_bars(path: Path, bars: list[Bar], intervals: list[Interval] | None = None) -> Path:
    """An ohlcv-1d DBN file of ``bars``; by default symbol i (sorted) is instrument id i + 1."""
    symbols = sorted({b[0] for b in bars})
    first, last = min(b[1] for b in bars), max(b[1] for b in bars) + dt.timedelta(days=1)
    intervals = intervals or [(s, i + 1, first, last) for i, s in enumerate(symbols)]
    records = np.zeros(len(bars), OHLCV_DTYPE)
    records["length"], records["rtype"], records["publisher_id"] = 14, 35, 1
    for rec, (symbol, day, close, volume) in zip(records, bars, strict=True):
        rec["instrument_id"] = next(i for s, i, a, b in intervals if s == symbol and a <= day < b)
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        rec["ts_event"] = int(midnight.timestamp()) * 1_000_000_000
        rec["open"] = rec["high"] = rec["low"] = rec["close"] = round(close * 1e9)
        rec["volume"] = volume
    mappings = [
        types.SimpleNamespace(
            raw_symbol=s,
            intervals=[
                types.SimpleNamespace(start_date=a, end_date=b, symbol=str(i))
                for sym, i, a, b in intervals
                if sym == s
            ],
        )
        for s in sorted({iv[0] for iv in intervals})
    ]
    metadata = dbn.Metadata(
        dataset="XNAS.ITCH",
        start=0,
        schema=dbn.Schema.OHLCV_1D,
        stype_in=dbn.SType.RAW_SYMBOL,
        stype_out=dbn.SType.INSTRUMENT_ID,
        symbols=symbols,
        partial=[],
        not_found=[],
        mappings=mappings,
    )
    path.write_bytes(bytes(metadata.encode()) + records.tobytes())
    return path


def test_csv_gives_the_same_figures_every_day(tmp_path: Path) -> None:
    path = _csv(tmp_path, "avg_volume, Symbol ,prev_close\n1500000,AAPL,189.5\n,TINY,2.25\n")

    reference = load_reference(path)
    monday = reference.for_day(dt.date(2024, 7, 1))

    assert monday.prev_close == {"AAPL": 189.5, "TINY": 2.25}
    assert monday.avg_volume == {"AAPL": 1_500_000.0}
    assert monday.symbols() == {"AAPL", "TINY"}
    assert reference.for_day(dt.date(2025, 1, 2)).prev_close == monday.prev_close


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        (HEADER, "empty"),
        ("symbol,close\nAAPL,1\n", ":1: reference data needs the columns"),
        (HEADER + "AAPL,abc,100\n", ":2: prev_close must be a positive number"),
        (HEADER + "AAPL,1,100\nMSFT,0,100\n", ":3: prev_close must be a positive number"),
        (HEADER + "AAPL,-4,100\n", ":2: prev_close"),
        (HEADER + "AAPL,nan,100\n", ":2: prev_close"),
        (HEADER + "AAPL,4,lots\n", ":2: avg_volume must be a number >= 0"),
        (HEADER + "AAPL,4,1\nAAPL,5,1\n", ":3: AAPL appears twice"),
        (HEADER + "AAPL,4\n", ":2: 2 fields"),
    ],
)
def test_bad_csv_names_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = _csv(tmp_path, text)

    with pytest.raises(ReferenceDataError, match=message) as caught:
        load_reference(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_missing_reference_file(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="cannot read"):
        load_reference(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("sample", "symbol", "close", "volume"),
    [
        ("EQUS.MINI", "QQQ", 307.50, 3_309_022),
        ("XNAS.ITCH", "NVDA", 515.60, 1_424_253),
        # One bar per publisher: volumes summed, close of the busiest (publisher 39).
        ("DBEQ.BASIC", "QQQ", 306.93, 805_724 + 1_382_955 + 117_525 + 717_556),
    ],
)
def test_ohlcv_1d_samples(sample: str, symbol: str, close: float, volume: int) -> None:
    reference = load_reference(DBN_SAMPLES / sample / "test_data.ohlcv-1d.dbn.zst")
    bar_day = dt.date(2020, 12, 28) if sample == "XNAS.ITCH" else dt.date(2023, 3, 28)

    next_day = reference.for_day(bar_day + dt.timedelta(days=1))

    assert next_day.prev_close == {symbol: pytest.approx(close)}
    assert next_day.avg_volume == {symbol: volume}
    assert reference.for_day(bar_day).symbols() == set()


@pytest.mark.parametrize("name", ["v1.dbn.zst", "v2.dbn.zst", "v3.dbn.zst", "dbn"])
def test_ohlcv_1d_files_without_bars_are_empty(name: str) -> None:
    with pytest.raises(ReferenceDataError, match="empty"):
        load_reference(DBN_SAMPLES / "dbn-versions" / f"test_data.ohlcv-1d.{name}")


def test_dbn_of_another_schema_or_truncated_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="mbp-1"):
        load_reference(DBN_SAMPLES / "XNAS.ITCH" / "test_data.mbp-1.dbn.zst")
    data = (DBN_SAMPLES / "EQUS.MINI" / "test_data.ohlcv-1d.dbn.zst").read_bytes()
    cut = tmp_path / "cut.dbn.zst"
    cut.write_bytes(data[:-6])
    with pytest.raises(ReferenceDataError, match="truncated"):
        load_reference(cut)


CALENDAR = TradingCalendar(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
SESSIONS = [
    d
    for d in (dt.date(2024, 5, 20) + dt.timedelta(days=i) for i in range(50))
    if CALENDAR.is_session(d) and d <= dt.date(2024, 7, 5)
]


def test_previous_close_across_a_weekend_and_a_holiday(tmp_path: Path) -> None:
    bars = [("AAA", d, 100.0 + i, 1000 * (i + 1)) for i, d in enumerate(SESSIONS)]
    path = _write_daily_bars(tmp_path / "daily.dbn", bars)
    close_of = {d: 100.0 + i for i, d in enumerate(SESSIONS)}

    reference = load_reference(path, calendar=CALENDAR)

    # Thursday 2024-07-04 is a holiday: Friday's previous close is Wednesday's.
    assert reference.for_day(dt.date(2024, 7, 5)).prev_close["AAA"] == close_of[dt.date(2024, 7, 3)]
    assert reference.for_day(dt.date(2024, 7, 8)).prev_close["AAA"] == close_of[dt.date(2024, 7, 5)]
    assert (
        reference.for_day(dt.date(2024, 6, 3)).prev_close["AAA"] == close_of[dt.date(2024, 5, 31)]
    )


def test_average_volume_is_the_mean_of_the_last_20_sessions(tmp_path: Path) -> None:
    bars = [("AAA", d, 50.0, 1000 * (i + 1)) for i, d in enumerate(SESSIONS)]
    bars += [("NEW", d, 10.0, 300 * (i + 1)) for i, d in enumerate(SESSIONS[-3:])]
    reference = load_reference(_write_daily_bars(tmp_path / "daily.dbn.zst", bars))

    day = reference.for_day(dt.date(2024, 7, 8))

    n = len(SESSIONS)
    assert n > 25
    assert day.avg_volume["AAA"] == pytest.approx(
        np.mean([1000 * (i + 1) for i in range(n - 20, n)])
    )
    assert day.avg_volume["NEW"] == pytest.approx(600.0)  # only 3 sessions so far
    assert reference.for_day(SESSIONS[1]).avg_volume == {"AAA": 1000.0}


def test_calendar_drops_a_bar_dated_on_a_holiday(tmp_path: Path) -> None:
    bars = [("AAA", d, 100.0, 1000) for d in SESSIONS] + [("AAA", dt.date(2024, 7, 4), 999.0, 10)]
    path = _write_daily_bars(tmp_path / "daily.dbn", bars)

    with_calendar = load_reference(path, calendar=CALENDAR).for_day(dt.date(2024, 7, 5))
    without = load_reference(path).for_day(dt.date(2024, 7, 5))

    assert with_calendar.prev_close["AAA"] == 100.0
    assert without.prev_close["AAA"] == 999.0


def _aapl_daily() -> list[dict[str, str]]:
    with gzip.open(DATA / "daily" / "AAPL.csv.gz", "rt") as fh:
        return list(csv.DictReader(fh))


def _aapl_split_file(tmp_path: Path) -> tuple[Path, dt.date]:
    split = next(row for row in _aapl_daily() if float(row["split"]) != 1.0)
    text = f"symbol,ex_date,split_ratio\nAAPL,{split['date']},{split['split']}\n"
    path = _csv(tmp_path, text, "actions.csv")
    return path, dt.date.fromisoformat(split["date"])


def test_aapl_split_is_not_a_gap_with_a_csv_reference(tmp_path: Path) -> None:
    actions, ex_date = _aapl_split_file(tmp_path)
    first_trade = next(float(r["open"]) for r in _aapl_daily() if r["date"] == str(ex_date))
    ref = _csv(tmp_path, HEADER + "AAPL,645.57,\n")  # the unadjusted close of 2014-06-06

    adjusted = load_reference(ref, corporate_actions=actions).for_day(ex_date).prev_close["AAPL"]
    raw = load_reference(ref).for_day(ex_date).prev_close["AAPL"]

    assert ex_date == dt.date(2014, 6, 9)
    assert adjusted == pytest.approx(92.2243, abs=1e-4)
    assert (first_trade / adjusted - 1) * 100 == pytest.approx(0.515, abs=0.01)
    assert (first_trade / raw - 1) * 100 == pytest.approx(-85.6, abs=0.05)


def test_aapl_split_adjusts_unadjusted_daily_bars(tmp_path: Path) -> None:
    actions, ex_date = _aapl_split_file(tmp_path)
    rows = [r for r in _aapl_daily() if "2014-04-01" <= r["date"] < str(ex_date)]
    # The daily file is split-adjusted; Databento's bars are not: undo the split.
    bars = [
        (
            "AAPL",
            dt.date.fromisoformat(r["date"]),
            float(r["close"]) * 7,
            round(float(r["volume"]) / 7),
        )
        for r in rows
    ]
    path = _write_daily_bars(tmp_path / "aapl.dbn", bars)

    day = load_reference(path, corporate_actions=actions).for_day(ex_date)
    unadjusted = load_reference(path).for_day(ex_date)

    assert unadjusted.prev_close["AAPL"] == pytest.approx(645.57, abs=0.01)
    assert day.prev_close["AAPL"] == pytest.approx(92.2243, abs=1e-4)
    expected_volume = np.mean([float(r["volume"]) for r in rows[-20:]])
    assert day.avg_volume["AAPL"] == pytest.approx(expected_volume, rel=1e-6)


def test_instrument_ids_reused_on_another_day_map_to_that_days_symbol(tmp_path: Path) -> None:
    d1, d2, d3 = dt.date(2024, 7, 1), dt.date(2024, 7, 2), dt.date(2024, 7, 3)
    bars = [("OLD", d1, 5.0, 100), ("NEW", d2, 7.0, 300), ("KEEP", d1, 1.5, 10)]
    intervals = [("OLD", 9, d1, d2), ("NEW", 9, d2, d3), ("KEEP", 4, d1, d3)]
    path = _write_daily_bars(tmp_path / "reused.dbn", bars, intervals)

    day = load_reference(path).for_day(d3)

    assert day.prev_close == {"OLD": 5.0, "NEW": 7.0, "KEEP": 1.5}
    assert day.avg_volume == {"OLD": 100.0, "NEW": 300.0, "KEEP": 10.0}
