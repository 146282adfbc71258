"""Hand-built MBP-1 records, a small reference and an engine, for the screener tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tradeassist.domain.alerts import Alert
from tradeassist.market_calendar import EASTERN, trading_calendar
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import Detector
from tradeassist.screener.engine import ScreenerEngine
from tradeassist.screener.record_words import MBP1_DTYPE

MBP1 = MBP1_DTYPE  # the dtype of databento's DBNStore.to_ndarray() for mbp-1
UNDEF = np.iinfo(np.int64).max
F_LAST = 128
F_MAYBE_BAD_BOOK = 4
F_BAD_TS_RECV = 8
DAY = dt.date(2026, 3, 10)  # a Tuesday, after the 2026 DST change (EDT, UTC-4)
NS = 1_000_000_000


def et(clock: str, day: dt.date = DAY) -> int:
    """UTC ns of an Eastern wall-clock time ``HH:MM[:SS[.fff]]`` on ``day``."""
    parts = clock.split(":")
    hour, minute = int(parts[0]), int(parts[1])
    seconds = float(parts[2]) if len(parts) > 2 else 0.0
    whole = int(seconds)
    moment = dt.datetime.combine(day, dt.time(hour, minute, whole), tzinfo=EASTERN)
    return int(moment.timestamp()) * NS + round((seconds - whole) * NS)


def px(dollars: float) -> int:
    return round(dollars * 1e9)


@dataclass
class Tape:
    """Builds records in order; ``trade``/``quote`` append one record each."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    book: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)

    def add(
        self,
        ts: int,
        iid: int,
        *,
        price: float | None,
        size: int,
        action: bytes,
        bid: float | None = None,
        ask: float | None = None,
        flags: int = F_LAST,
        recv_delay_ns: int = 1000,
    ) -> Tape:
        p = UNDEF if price is None else px(price)
        b = UNDEF if bid is None else px(bid)
        a = UNDEF if ask is None else px(ask)
        seq = len(self.rows)
        self.rows.append(
            (20, 1, 1, iid, ts, p, size, action, b"N", flags, 0, ts + recv_delay_ns, 0, seq,
             b, a, 100, 100, 1, 1)
        )  # fmt: skip
        return self

    def trade(self, ts: int, iid: int, price: float | None, size: int = 100, **kw: Any) -> Tape:
        """A trade carrying the instrument's last quote (as MBP-1 trade records do)."""
        bid, ask = self.book.get(iid, (None, None))
        kw.setdefault("bid", bid)
        kw.setdefault("ask", ask)
        return self.add(ts, iid, price=price, size=size, action=b"T", **kw)

    def quote(self, ts: int, iid: int, bid: float | None, ask: float | None, **kw: Any) -> Tape:
        if not kw.get("flags", 0) & F_MAYBE_BAD_BOOK:
            self.book[iid] = (bid, ask)
        return self.add(ts, iid, price=bid, size=100, action=b"A", bid=bid, ask=ask, **kw)

    def trades(self, start: int, end: int, iid: int, price: float, count: int, **kw: Any) -> Tape:
        """``count`` trades at ``price`` evenly spaced in [start, end)."""
        for k in range(count):
            self.trade(start + (end - start) * k // count, iid, price, **kw)
        return self

    def array(self) -> np.ndarray:
        return np.array(self.rows, dtype=MBP1)


@dataclass(frozen=True)
class DayRef:
    prev_close: dict[str, float]
    avg_volume: dict[str, float]


@dataclass
class Reference:
    """``for_day`` returns the same figures every day; records the days asked."""

    prev_close: dict[str, float] = field(default_factory=dict)
    avg_volume: dict[str, float] = field(default_factory=dict)
    days: list[dt.date] = field(default_factory=list)

    def for_day(self, day: dt.date) -> DayRef:
        self.days.append(day)
        return DayRef(dict(self.prev_close), dict(self.avg_volume))


def engine(
    symbols: Mapping[int, str] | None = None,
    *,
    prev_close: Mapping[str, float] | None = None,
    avg_volume: Mapping[str, float] | None = None,
    config: ScreenerConfig | None = None,
    detectors: Sequence[Detector] | None = None,
    bars: bool = True,
) -> ScreenerEngine:
    eng = ScreenerEngine(
        config=config or ScreenerConfig(),
        reference=Reference(dict(prev_close or {}), dict(avg_volume or {})),
        calendar=trading_calendar(),
        detectors=detectors,
        bars=bars,
    )
    eng.set_symbols(symbols or {1: "AAA"})
    return eng


def run(
    eng: ScreenerEngine, records: np.ndarray, chunks: Iterable[int] | None = None
) -> list[Alert]:
    """Feed ``records`` whole, or cut at the given sizes."""
    if chunks is None:
        return eng.process(records)
    alerts: list[Alert] = []
    start = 0
    for size in chunks:
        alerts += eng.process(records[start : start + size])
        start += size
    alerts += eng.process(records[start:])
    return alerts


def of_type(alerts: Iterable[Alert], alert_type: str) -> list[Alert]:
    return [a for a in alerts if a.alert_type == alert_type]


def random_tape(seed: int, n: int, n_symbols: int, days: int = 1) -> np.ndarray:
    """A noisy market: quotes and trades of ``n_symbols`` (ids 1..n) swinging around $10.

    Prices oscillate up to about +/-12% so gaps, highs, lows, range breaks and VWAP
    crosses all happen; some trades are odd lots, late, undefined or flagged.
    """
    rng = np.random.default_rng(seed)
    start = et("03:50")
    span = days * 24 * 3600 * NS - 16 * 3600 * NS  # ends at 20:00 ET on the last day (+-1h DST)
    ts = np.sort(rng.integers(start, start + span, n)).astype(np.uint64)
    sym = rng.integers(1, n_symbols + 1, n)
    phase = rng.uniform(0, 2 * np.pi, n_symbols + 1)
    freq = rng.uniform(1.0, 6.0, n_symbols + 1) / (6.5 * 3600 * NS)
    hours = ts.astype(np.float64)
    mid = 10.0 * (1 + 0.12 * np.sin(hours * freq[sym] + phase[sym]) + rng.normal(0, 0.004, n))
    out = np.zeros(n, dtype=MBP1)
    out["length"], out["rtype"], out["publisher_id"] = 20, 1, 1
    out["instrument_id"] = sym
    out["ts_event"] = ts
    is_trade = rng.random(n) < 0.35
    out["action"] = np.where(is_trade, b"T", b"A")
    price = (np.round(mid * 100) * 10_000_000).astype(np.int64)  # whole cents, fixed-point
    out["size"] = rng.choice([10, 50, 100, 200, 500, 1_000, 5_000, 20_000], n,
                             p=[0.1, 0.1, 0.3, 0.2, 0.15, 0.1, 0.04, 0.01])  # fmt: skip
    half = (np.round(mid * 100 * rng.uniform(0.0005, 0.004, n)) * 10_000_000).astype(np.int64)
    out["bid_px_00"] = price - half - 10_000_000
    out["ask_px_00"] = price + half + 10_000_000
    price[is_trade & (rng.random(n) < 0.01)] = UNDEF
    out["price"] = price
    out["bid_px_00"][rng.random(n) < 0.01] = UNDEF
    flags = np.full(n, F_LAST, np.uint8)
    flags[rng.random(n) < 0.02] |= F_MAYBE_BAD_BOOK
    flags[rng.random(n) < 0.01] |= F_BAD_TS_RECV
    out["flags"] = flags
    late = rng.random(n) < 0.02
    out["ts_recv"] = ts + np.where(late, 15 * NS, 2_000).astype(np.uint64)
    out["sequence"] = np.arange(n)
    return out
