"""Pure helpers for Databento records and metadata, shared by the file reader and the live feed.

Nothing here does I/O. Record layouts are the numpy dtypes that
``databento.DBNStore.to_ndarray()`` gives (a test holds them equal), so an array
of records is byte-identical to the records in a DBN stream. Prices are
fixed-point integers in units of 1e-9 dollars; ``UNDEF_PRICE`` (INT64_MAX)
means "no price". Timestamps are UTC nanoseconds since the epoch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import databento_dbn as dbn
import numpy as np
import numpy.typing as npt

__all__ = [
    "FIXED_PRICE_SCALE",
    "F_BAD_TS_RECV",
    "F_LAST",
    "F_MAYBE_BAD_BOOK",
    "F_MBP",
    "F_SNAPSHOT",
    "F_TOB",
    "MBP1_DTYPE",
    "OHLCV_DTYPE",
    "RECORD_SIZE",
    "RTYPE_MBP_0",
    "RTYPE_MBP_1",
    "RTYPE_OHLCV_1D",
    "RTYPE_OHLCV_DEPRECATED",
    "RTYPE_STATUS",
    "RTYPE_SYMBOL_MAPPING",
    "STATUS_DTYPE",
    "TRADES_DTYPE",
    "UNDEF_PRICE",
    "SymbolInterval",
    "instrument_symbols",
    "mapping_interval",
    "price_to_float",
    "prices_to_float",
    "symbol_from_mapping",
    "symbol_intervals",
]

UNDEF_PRICE: Final[int] = int(dbn.UNDEF_PRICE)
"""The "no price" sentinel (INT64_MAX)."""
FIXED_PRICE_SCALE: Final[int] = int(dbn.FIXED_PRICE_SCALE)
"""Fixed-point units per dollar (1e9)."""

# Record flags (bits of the ``flags`` field), as Databento defines them.
F_LAST: Final[int] = int(dbn.F_LAST)  # last record of an event for this instrument
F_TOB: Final[int] = int(dbn.F_TOB)  # top-of-book message, not a book delta
F_SNAPSHOT: Final[int] = int(dbn.F_SNAPSHOT)  # from a replay/snapshot, not live
F_MBP: Final[int] = int(dbn.F_MBP)  # aggregated price level, not an individual order
F_BAD_TS_RECV: Final[int] = int(dbn.F_BAD_TS_RECV)  # ts_recv is inaccurate
F_MAYBE_BAD_BOOK: Final[int] = int(dbn.F_MAYBE_BAD_BOOK)  # an unrecoverable gap: book suspect

# Record types (the ``rtype`` header byte).
RTYPE_MBP_0: Final[int] = int(dbn.RType.MBP_0)  # trades
RTYPE_MBP_1: Final[int] = int(dbn.RType.MBP_1)  # mbp-1 and tbbo
RTYPE_STATUS: Final[int] = int(dbn.RType.STATUS)
RTYPE_OHLCV_1D: Final[int] = int(dbn.RType.OHLCV_1D)
RTYPE_OHLCV_DEPRECATED: Final[int] = int(dbn.RType.OHLCV_DEPRECATED)
RTYPE_SYMBOL_MAPPING: Final[int] = int(dbn.RType.SYMBOL_MAPPING)

_HEADER: list[tuple[str, str]] = [
    ("length", "u1"),
    ("rtype", "u1"),
    ("publisher_id", "<u2"),
    ("instrument_id", "<u4"),
    ("ts_event", "<u8"),
]
_TRADE_BODY: list[tuple[str, str]] = [
    ("price", "<i8"),
    ("size", "<u4"),
    ("action", "S1"),
    ("side", "S1"),
    ("flags", "u1"),
    ("depth", "u1"),
    ("ts_recv", "<u8"),
    ("ts_in_delta", "<i4"),
    ("sequence", "<u4"),
]
_LEVEL_00: list[tuple[str, str]] = [
    ("bid_px_00", "<i8"),
    ("ask_px_00", "<i8"),
    ("bid_sz_00", "<u4"),
    ("ask_sz_00", "<u4"),
    ("bid_ct_00", "<u4"),
    ("ask_ct_00", "<u4"),
]

MBP1_DTYPE: Final[np.dtype[np.void]] = np.dtype(_HEADER + _TRADE_BODY + _LEVEL_00)
"""One MBP-1 (and TBBO) record: 80 bytes; the dtype every replay batch has."""
TRADES_DTYPE: Final[np.dtype[np.void]] = np.dtype(_HEADER + _TRADE_BODY)
"""One trades record: 48 bytes, the first 48 bytes of an MBP-1 record."""
STATUS_DTYPE: Final[np.dtype[np.void]] = np.dtype(
    [
        *_HEADER,
        ("ts_recv", "<u8"),
        ("action", "<u2"),
        ("reason", "<u2"),
        ("trading_event", "<u2"),
        ("is_trading", "S1"),
        ("is_quoting", "S1"),
        ("is_short_sell_restricted", "S1"),
        ("_reserved", "S7"),
    ]
)
"""One trading-status record: 40 bytes (``action``/``reason`` as databento_dbn.StatusAction...)."""
OHLCV_DTYPE: Final[np.dtype[np.void]] = np.dtype(
    [
        *_HEADER,
        ("open", "<i8"),
        ("high", "<i8"),
        ("low", "<i8"),
        ("close", "<i8"),
        ("volume", "<u8"),
    ]
)
"""One OHLCV bar: 56 bytes; ``ts_event`` opens the interval (a session date at 00:00 UTC)."""

RECORD_SIZE: Final[Mapping[str, int]] = {
    "mbp-1": MBP1_DTYPE.itemsize,
    "tbbo": MBP1_DTYPE.itemsize,
    "trades": TRADES_DTYPE.itemsize,
    "status": STATUS_DTYPE.itemsize,
    "ohlcv-1d": OHLCV_DTYPE.itemsize,
}
"""Bytes per record of each schema we read, without the optional 8-byte ``ts_out``."""


def price_to_float(price: int) -> float | None:
    """Dollars from a fixed-point price (1e-9 units), or None for ``UNDEF_PRICE``."""
    if price == UNDEF_PRICE:
        return None
    return price / FIXED_PRICE_SCALE


def prices_to_float(prices: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Dollars from an array of fixed-point prices; ``UNDEF_PRICE`` becomes NaN."""
    out = prices / FIXED_PRICE_SCALE
    out[prices == UNDEF_PRICE] = np.nan
    return out


@dataclass(frozen=True, slots=True)
class SymbolInterval:
    """An instrument id meaning ``symbol`` on the UTC dates ``start_date <= d < end_date``."""

    instrument_id: int
    symbol: str
    start_date: dt.date
    end_date: dt.date


def symbol_intervals(
    mappings: Mapping[str, Iterable[Any]], stype_in: str | None, stype_out: str | None
) -> list[SymbolInterval]:
    """Flatten DBN metadata ``mappings`` into instrument-id intervals, in file order.

    With ``stype_out`` ``instrument_id`` (what Databento ships) the key is the
    requested symbol and each interval's ``symbol`` the id as text; with
    ``stype_in`` ``instrument_id`` it is the other way round. An empty or
    non-numeric id means "not mapped on those dates" and is skipped.
    """
    reverse = stype_out != "instrument_id" and stype_in == "instrument_id"
    result: list[SymbolInterval] = []
    for key, intervals in mappings.items():
        for interval in intervals:
            if type(interval) is dict or isinstance(interval, Mapping):  # dict: what dbn gives
                fields = interval["symbol"], interval["start_date"], interval["end_date"]
            else:
                fields = interval.symbol, interval.start_date, interval.end_date
            mapped = str(fields[0])
            id_text, symbol = (key, mapped) if reverse else (mapped, key)
            if not id_text.isdigit() or not symbol:
                continue
            result.append(SymbolInterval(int(id_text), symbol, fields[1], fields[2]))
    return result


def instrument_symbols(
    intervals: Iterable[SymbolInterval], day: dt.date | None = None
) -> dict[int, str]:
    """instrument_id -> symbol, on ``day`` (a UTC date) or over all dates.

    Over all dates, an id that names several symbols keeps the one of its latest
    interval: ids are unique within a day only, so prefer ``day`` for
    multi-day files.
    """
    ordered = sorted(intervals, key=lambda iv: iv.start_date)
    return {
        iv.instrument_id: iv.symbol
        for iv in ordered
        if day is None or iv.start_date <= day < iv.end_date
    }


def symbol_from_mapping(stype_in_symbol: str, stype_out_symbol: str) -> str:
    """The symbol a live ``SymbolMappingMsg`` gives its instrument id.

    Databento's own client takes the output symbol unless it is just the id
    (the case of raw-symbol subscriptions), then the input symbol.
    """
    return stype_in_symbol if stype_out_symbol.isdigit() else stype_out_symbol


def _utc_date(ts_ns: int) -> dt.date:
    return dt.datetime.fromtimestamp(ts_ns // 1_000_000_000, tz=dt.UTC).date()


def mapping_interval(
    instrument_id: int, stype_in_symbol: str, stype_out_symbol: str, start_ts: int, end_ts: int
) -> SymbolInterval:
    """The interval a ``SymbolMappingMsg`` announces (times in UTC ns; UNDEF: open-ended)."""
    undefined = int(dbn.UNDEF_TIMESTAMP)
    start = dt.date.min if start_ts >= undefined else _utc_date(start_ts)
    # end_ts is exclusive: a mapping ending at midnight does not cover the next day.
    end = dt.date.max if end_ts >= undefined else _utc_date(end_ts - 1) + dt.timedelta(days=1)
    symbol = symbol_from_mapping(stype_in_symbol, stype_out_symbol)
    return SymbolInterval(instrument_id, symbol, start, end)
