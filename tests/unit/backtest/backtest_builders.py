"""Hand-made bars, alerts and DBN files for the backtest tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import databento_dbn as dbn
import numpy as np
import numpy.typing as npt

from dbn_files import dbn_header
from tradeassist.backtest.bars import BarArrays
from tradeassist.domain.alerts import Alert
from tradeassist.domain.bars import Bar
from tradeassist.feeds.databento.parsing import MBP1_DTYPE
from tradeassist.market_calendar import EASTERN

DAY = dt.date(2026, 3, 10)  # a Tuesday, EDT (UTC-4): the session is 13:30-20:00 UTC
NS = 1_000_000_000
UNDEF = np.iinfo(np.int64).max


def et(clock: str, day: dt.date = DAY) -> int:
    """UTC ns of an Eastern wall-clock time ``HH:MM[:SS]`` on ``day``."""
    parts = [int(p) for p in clock.split(":")]
    hour, minute, second = [*parts, 0, 0][:3]
    moment = dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=EASTERN)
    return int(moment.timestamp()) * NS


def bar(clock: str, o: float, h: float, low: float, c: float, symbol: str = "AAA") -> Bar:
    return Bar(symbol, et(clock), o, h, low, c, volume=1_000, trades=10, vwap=c)


def flat(clock: str, price: float, symbol: str = "AAA") -> Bar:
    return bar(clock, price, price, price, price, symbol)


def bars(*items: Bar) -> BarArrays:
    return BarArrays.of(list(items))


def alert(alert_type: str, price: float, clock: str, symbol: str = "AAA") -> Alert:
    return Alert(
        symbol=symbol,
        alert_type=alert_type,
        trigger_price=price,
        trigger_time_ns=et(clock),
        trading_day=DAY.isoformat(),
        level="1",
    )


def trades(rows: Sequence[tuple[str, int, float, int]], day: dt.date = DAY) -> npt.NDArray[np.void]:
    """MBP-1 trade records (clock ``HH:MM:SS``, instrument id, dollars, shares), in order.

    Each carries a one-cent quote around its price, as MBP-1 trades do.
    """
    out = np.zeros(len(rows), MBP1_DTYPE)
    out["length"], out["rtype"], out["publisher_id"] = 20, 1, 1
    for i, (clock, iid, price, size) in enumerate(rows):
        ts = et(clock, day)
        fixed = round(price * 1e9)
        out[i]["instrument_id"] = iid
        out[i]["ts_event"] = ts
        out[i]["ts_recv"] = ts + 1_000
        out[i]["price"] = fixed
        out[i]["size"] = size
        out[i]["action"] = b"T"
        out[i]["side"] = b"N"
        out[i]["flags"] = 128
        out[i]["sequence"] = i
        out[i]["bid_px_00"] = fixed - 10_000_000
        out[i]["ask_px_00"] = fixed + 10_000_000
        out[i]["bid_sz_00"] = out[i]["ask_sz_00"] = 100
    return out


def write_dbn(
    path: Path, records: npt.NDArray[np.void], symbols: dict[str, int], day: dt.date = DAY
) -> Path:
    """A real DBN (MBP-1) file of ``records`` with symbology for ``day``."""
    start = int(records["ts_event"][0]) if len(records) else et("04:00", day)
    header = dbn_header(dbn.Schema.MBP_1, symbols, day, start, "XNAS.ITCH")
    path.write_bytes(header + records.tobytes())
    return path
