"""Alert pages as JSON text, written directly from database rows (the hot path).

``GET /alerts`` is the busiest route; building 100 Pydantic models per
request and parsing each alert's documents only to serialise them again
costs more than the query. These functions write exactly what
:class:`~tradeassist.api.schemas.alerts.AlertsPublic` would (the tests compare
the two), with ``conditions`` and ``metadata`` copied from the database's JSON
text.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as _string
from typing import Any

from sqlalchemy.engine import Row

__all__ = ["alert_record_json", "alerts_page_json"]

_dumps = json.dumps
_NS = 1_000_000_000
_ALERT = (
    '{"id":%d,"symbol":%s,"alert_type":%s,"trigger_price":%r,"trigger_time":"%s",'
    '"trigger_time_ns":%d,"trading_day":"%s","level":%s,"pct_move":%s,'
    '"conditions":%s,"metadata":%s,"created_at":%s}'
)


def _iso_ns(ts_ns: int) -> str:
    """``format_ns`` at half the cost: ``time.gmtime`` instead of a datetime (exact for ints)."""
    seconds, nanos = divmod(ts_ns, _NS)
    t = time.gmtime(seconds)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ" % (  # noqa: UP031 (fastest here)
        t.tm_year,
        t.tm_mon,
        t.tm_mday,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
        nanos,
    )


def _time(value: dt.datetime | None) -> str:
    if value is None:
        return "null"
    return '"' + value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") + '"'


def alert_record_json(row: Row[Any]) -> str:
    """One row of ``RECORD_COLUMNS`` as an ``AlertPublic`` JSON object."""
    alert_id, symbol, kind, price, time_ns, day, level, pct, conditions, metadata, created = tuple(
        row
    )
    return _ALERT % (
        alert_id,
        _string(symbol),
        _string(kind),
        float(price),
        _iso_ns(time_ns),
        time_ns,
        day.isoformat(),
        _string(level),
        "null" if pct is None else repr(float(pct)),
        conditions or "{}",
        metadata or "{}",
        _time(created),
    )


def alerts_page_json(
    rows: Sequence[Row[Any]], next_cursor: str | None, extra: dict[str, Any] | None = None
) -> bytes:
    """An ``AlertsPublic`` (plus ``extra`` top-level fields) as UTF-8 JSON."""
    parts = [
        '{"data":[',
        ",".join(alert_record_json(row) for row in rows),
        f'],"count":{len(rows)},"next_cursor":{_dumps(next_cursor)}',
    ]
    for name, value in (extra or {}).items():
        parts.append(f",{_dumps(name)}:{_dumps(value)}")
    parts.append("}")
    return "".join(parts).encode()
