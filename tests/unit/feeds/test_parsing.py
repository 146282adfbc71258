"""Pure Databento helpers: record layouts, prices, flags and symbology."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import databento
import databento_dbn as dbn
import numpy as np
import pytest

from tradeassist.feeds.databento import parsing

DATA = Path(__file__).parents[2] / "data" / "databento"


@pytest.mark.parametrize(
    ("dtype", "sample"),
    [
        (parsing.MBP1_DTYPE, "XNAS.ITCH/test_data.mbp-1.dbn.zst"),
        (parsing.MBP1_DTYPE, "EQUS.MINI/test_data.tbbo.dbn.zst"),
        (parsing.TRADES_DTYPE, "XNAS.ITCH/test_data.trades.dbn.zst"),
        (parsing.STATUS_DTYPE, "dbn-versions/test_data.status.v3.dbn.zst"),
        (parsing.OHLCV_DTYPE, "EQUS.MINI/test_data.ohlcv-1d.dbn.zst"),
    ],
)
def test_dtypes_are_those_of_the_official_client(dtype: np.dtype[np.void], sample: str) -> None:
    assert databento.DBNStore.from_file(DATA / sample).to_ndarray().dtype == dtype


def test_record_sizes_match_encoded_records() -> None:
    levels = dbn.BidAskPair(bid_px=1, ask_px=2, bid_sz=3, ask_sz=4, bid_ct=5, ask_ct=6)
    mbp1 = dbn.MBP1Msg(
        publisher_id=1,
        instrument_id=2,
        ts_event=3,
        price=4,
        size=5,
        action=dbn.Action.TRADE,
        side=dbn.Side.BID,
        depth=0,
        ts_recv=6,
        levels=levels,
    )
    as_array = np.frombuffer(bytes(mbp1), parsing.MBP1_DTYPE)

    assert parsing.RECORD_SIZE["mbp-1"] == parsing.RECORD_SIZE["tbbo"] == 80
    assert parsing.RECORD_SIZE["trades"] == 48
    assert parsing.RECORD_SIZE["ohlcv-1d"] == 56 and parsing.RECORD_SIZE["status"] == 40
    assert as_array["length"][0] * 4 == 80 and as_array["rtype"][0] == parsing.RTYPE_MBP_1
    assert as_array["ask_px_00"][0] == 2 and as_array["action"][0] == b"T"


def test_prices_convert_by_division_and_undef_is_no_price() -> None:
    assert parsing.price_to_float(3_720_500_000_000) == 3720.5
    assert parsing.price_to_float(1) == 1e-9
    assert parsing.price_to_float(parsing.UNDEF_PRICE) is None
    assert parsing.UNDEF_PRICE == 2**63 - 1

    dollars = parsing.prices_to_float(np.array([92_700_000_000, parsing.UNDEF_PRICE], np.int64))
    assert dollars[0] == 92.7 and np.isnan(dollars[1])


def test_flags_are_databentos_bits() -> None:
    assert parsing.F_LAST == 1 << 7 and parsing.F_TOB == 1 << 6
    assert parsing.F_SNAPSHOT == 1 << 5 and parsing.F_MBP == 1 << 4
    assert parsing.F_BAD_TS_RECV == 1 << 3 and parsing.F_MAYBE_BAD_BOOK == 1 << 2


def _interval(start: dt.date, end: dt.date, symbol: str) -> types.SimpleNamespace:
    return types.SimpleNamespace(start_date=start, end_date=end, symbol=symbol)


D1, D2, D3 = dt.date(2024, 7, 1), dt.date(2024, 7, 2), dt.date(2024, 7, 3)


def test_symbol_intervals_from_raw_symbol_to_instrument_id() -> None:
    mappings = {
        "AAPL": [{"start_date": D1, "end_date": D3, "symbol": "14"}],
        "OLD": [_interval(D1, D2, "20"), _interval(D2, D3, "")],
        "NEW": [_interval(D2, D3, "20")],
    }
    intervals = parsing.symbol_intervals(mappings, "raw_symbol", "instrument_id")

    assert parsing.instrument_symbols(intervals, D1) == {14: "AAPL", 20: "OLD"}
    assert parsing.instrument_symbols(intervals, D2) == {14: "AAPL", 20: "NEW"}
    assert parsing.instrument_symbols(intervals, D3) == {}
    assert parsing.instrument_symbols(intervals) == {14: "AAPL", 20: "NEW"}


def test_symbol_intervals_from_instrument_id_to_raw_symbol() -> None:
    mappings = {"14": [_interval(D1, D2, "AAPL")]}
    intervals = parsing.symbol_intervals(mappings, "instrument_id", "raw_symbol")

    assert parsing.instrument_symbols(intervals) == {14: "AAPL"}


def test_live_mapping_symbol_and_interval() -> None:
    assert parsing.symbol_from_mapping("AAPL", "14") == "AAPL"
    assert parsing.symbol_from_mapping("ES.FUT", "ESH1") == "ESH1"
    midnight = int(dt.datetime(2024, 7, 2, tzinfo=dt.UTC).timestamp()) * 1_000_000_000

    one_day = parsing.mapping_interval(14, "AAPL", "14", midnight - 86_400 * 10**9, midnight)
    open_ended = parsing.mapping_interval(14, "AAPL", "14", 0, int(dbn.UNDEF_TIMESTAMP))

    assert (one_day.start_date, one_day.end_date) == (D1, D2)
    assert open_ended.end_date == dt.date.max
