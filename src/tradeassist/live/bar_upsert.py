"""Completed one-minute bars as one upsert statement into ``market_data_cache``.

The live store process (:mod:`tradeassist.live.alert_store`) and ``replay
--store`` write bars with :class:`BarUpsert`. Each chunk is one statement with
parameters built here, not through the ORM: SQLAlchemy's per-row type
processing and a JSON encoder per bar cost ~50 us a bar, which fell behind the
engine's ~2,500 bars/s in the demo. On SQLite that is one ``executemany`` (C
loop); on PostgreSQL one ``INSERT ... SELECT FROM unnest(...)`` with three
array parameters.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from tradeassist.domain.bars import Bar
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.tables import BarRow

__all__ = [
    "BarUpsert",
    "bar_document",
    "bar_documents",
    "minute_start",
    "sqlite_start",
]

_NS = 1_000_000_000

_TABLE = BarRow.__tablename__
_SQLITE_UPSERT = (
    f"INSERT INTO {_TABLE} (symbol, start, bar) VALUES (?, ?, ?)"
    " ON CONFLICT (symbol, start) DO UPDATE SET bar = excluded.bar"
)
_POSTGRES_UPSERT = (
    f"INSERT INTO {_TABLE} (symbol, start, bar)"
    " SELECT u.symbol, u.start, u.bar::jsonb"
    " FROM unnest($1::varchar[], $2::timestamptz[], $3::text[]) AS u(symbol, start, bar)"
    " ON CONFLICT (symbol, start) DO UPDATE SET bar = EXCLUDED.bar"
)


def _number(value: float) -> str:
    # float.__repr__ is what json.dumps writes; NaN and infinities are not JSON.
    return repr(value) if math.isfinite(value) else "null"


def bar_document(bar: Bar) -> str:
    """The ``bar`` column's JSON text: o, h, l, c (dollars), v (shares), trades, vwap."""
    return (
        f'{{"o": {_number(bar.open)}, "h": {_number(bar.high)}, "l": {_number(bar.low)},'
        f' "c": {_number(bar.close)}, "v": {int(bar.volume)}, "trades": {int(bar.trades)},'
        f' "vwap": {_number(bar.vwap)}}}'
    )


def bar_documents(bars: BarSet) -> list[str]:
    """:func:`bar_document` of every bar of ``bars``, from its columns."""
    prices = bars.prices().tolist()
    return [
        f'{{"o": {_number(o)}, "h": {_number(h)}, "l": {_number(low)}, "c": {_number(c)},'
        f' "v": {v}, "trades": {t}, "vwap": {_number(w)}}}'
        for (o, h, low, c), v, t, w in zip(
            prices, bars.volume.tolist(), bars.trades.tolist(), bars.vwap().tolist(), strict=True
        )
    ]


def minute_start(start_ns: int) -> datetime:
    """A bar's minute as aware UTC (integer arithmetic: a float cannot hold the ns)."""
    seconds, nanos = divmod(int(start_ns), _NS)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=nanos // 1000)


def sqlite_start(start_ns: int) -> str:
    """The minute as SQLAlchemy stores a UTC ``DateTime`` on SQLite (so keys match)."""
    at = minute_start(start_ns)
    return f"{at:%Y-%m-%d %H:%M:%S}.{at.microsecond:06d}"


class BarUpsert:
    """One chunk of bars as one statement on the dialect's driver (SQLAlchemy's
    ``exec_driver_sql``: ``?`` parameters on SQLite, ``$n`` on PostgreSQL)."""

    def __init__(self, postgres: bool) -> None:
        self._postgres = postgres
        self._minutes: dict[int, Any] = {}  # start_ns -> the driver's value, reused

    def _minute(self, start_ns: int) -> Any:
        value = self._minutes.get(start_ns)
        if value is None:
            if len(self._minutes) > 4096:
                self._minutes.clear()
            value = minute_start(start_ns) if self._postgres else sqlite_start(start_ns)
            self._minutes[start_ns] = value
        return value

    def statement(self, bars: BarSet) -> tuple[str, Any]:
        """SQL and parameters; a key repeated in ``bars``: the last bar wins."""
        names, documents = bars.names(), bar_documents(bars)
        last = dict(zip(zip(names, bars.start.tolist(), strict=True), documents, strict=True))
        minute = self._minute
        if self._postgres:
            symbols = [key[0] for key in last]
            starts = [minute(key[1]) for key in last]
            return _POSTGRES_UPSERT, (symbols, starts, list(last.values()))
        rows = [(key[0], minute(key[1]), doc) for key, doc in last.items()]
        return _SQLITE_UPSERT, rows
