"""Alerts of one detector in one stretch of records, kept as columns.

Building a Python object per alert is what costs once the per-record work is
compiled, so alerts stay columnar until a consumer asks: ``alerts()`` gives
:class:`~tradeassist.domain.alerts.Alert` objects, ``json_lines()`` the replay
contract's JSON text (byte-identical to ``json.dumps(alert.to_json_dict())``)
without building them. Prices are fixed-point integers (1e-9 dollars) until
then; times UTC nanoseconds.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tradeassist.domain.alerts import Alert
from tradeassist.market_calendar import EASTERN
from tradeassist.screener.layout import NO_HIGH, NS_PER_MINUTE, NS_PER_SECOND, UNDEF_PRICE

__all__ = ["AlertSet", "DayLabels", "merge_sets", "ordered_alerts"]

I64 = npt.NDArray[np.int64]
_SCALE = 1e9


class DayLabels:
    """The trading day's ISO date and its ``HH:MM`` ET minute labels (the time buckets)."""

    def __init__(self, day: dt.date, premarket_open_ns: int) -> None:
        self.day = day.isoformat()
        self._base = premarket_open_ns
        start = dt.datetime.fromtimestamp(premarket_open_ns // NS_PER_SECOND, tz=EASTERN)
        # 04:00 to 20:00 ET lies within one UTC offset (clocks change at 02:00).
        first = start.hour * 60 + start.minute
        self._labels = [f"{m // 60 % 24:02d}:{m % 60:02d}" for m in range(first, first + 960)]

    def minute(self, ts_ns: int) -> str:
        m = (ts_ns - self._base) // NS_PER_MINUTE
        if 0 <= m < len(self._labels):
            return self._labels[m]
        return dt.datetime.fromtimestamp(ts_ns // NS_PER_SECOND, tz=EASTERN).strftime("%H:%M")


def _present(value: Any) -> bool:
    """Whether a condition value goes into the alert (NaN, infinities and None do not)."""
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


def _json_value(value: Any) -> str | None:
    """JSON text of one condition value; None where it is left out."""
    if not _present(value):
        return None
    if isinstance(value, float):
        return repr(value)  # what json.dumps writes for a finite float
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value)


@dataclass(slots=True)
class AlertSet:
    """Accepted alerts of one detector, in record order, with what the alert needs.

    ``ordinal`` is each triggering record's position in the whole stream and
    ``detector`` the detector's rank: with ``ts`` they give the contract's order.
    """

    alert_types: tuple[str, ...]
    kinds: I64
    slot: I64
    ts: I64
    price: I64
    bid: I64
    ask: I64
    ordinal: I64
    detector: int
    symbols: Sequence[str]
    labels: DayLabels
    levels: npt.NDArray[np.float64] | None = None
    conditions: Mapping[str, npt.NDArray[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.slot.shape[0])

    def _level_texts(self) -> list[str]:
        ts = self.ts.tolist()
        if self.levels is None:
            return [self.labels.minute(t) for t in ts]
        return [
            f"{lv:g}" if not math.isnan(lv) else self.labels.minute(t)
            for lv, t in zip(self.levels.tolist(), ts, strict=True)
        ]

    def _condition_dicts(self) -> list[dict[str, Any]]:
        keys = list(self.conditions)
        columns = [np.asarray(self.conditions[k]).tolist() for k in keys]
        out: list[dict[str, Any]] = []
        for values in zip(*columns, strict=True) if columns else ([()] * len(self)):
            out.append({k: v for k, v in zip(keys, values, strict=True) if _present(v)})
        return out

    def alerts(self) -> list[Alert]:
        """The alerts as domain objects."""
        bids, asks = self.bid.tolist(), self.ask.tolist()
        prices = self.price.tolist()
        result: list[Alert] = []
        for j, (cond, level) in enumerate(
            zip(self._condition_dicts(), self._level_texts(), strict=True)
        ):
            b, a, p = bids[j], asks[j], prices[j]
            has_b, has_a = b not in (UNDEF_PRICE, NO_HIGH), a not in (UNDEF_PRICE, NO_HIGH)
            result.append(
                Alert(
                    symbol=self.symbols[int(self.slot[j])],
                    alert_type=self.alert_types[int(self.kinds[j])],
                    trigger_price=p / _SCALE if p not in (UNDEF_PRICE, NO_HIGH) else 0.0,
                    trigger_time_ns=int(self.ts[j]),
                    trading_day=self.labels.day,
                    level=level,
                    conditions=cond,
                    metadata={
                        "bid": b / _SCALE if has_b else None,
                        "ask": a / _SCALE if has_a else None,
                        "spread": (a - b) / _SCALE if has_a and has_b else None,
                    },
                )
            )
        return result

    def json_lines(self, symbol_json: Sequence[str]) -> list[str]:
        """Each alert as the replay contract's JSON object (no newline).

        ``symbol_json[slot]`` is the JSON text of the slot's symbol. The text
        equals ``json.dumps`` of :meth:`Alert.to_json_dict`. Rows are grouped by
        which of their values are present (a NaN condition is left out, a missing
        quote is ``null``); each group is formatted with one ``%`` template, whose
        ``%r`` writes a float exactly as ``json.dumps`` does.
        """
        n = len(self)
        if n == 0:
            return []
        columns = [np.asarray(self.conditions[k]) for k in self.conditions]
        if any(c.dtype.kind not in "fiu" for c in columns):
            return self._generic_json_lines(symbol_json)
        columns = [c.astype(np.float64) if c.dtype.kind == "f" else c for c in columns]
        ok_bid, ok_ask = _defined(self.bid), _defined(self.ask)
        both = ok_bid & ok_ask
        values = [
            _dollars(self.price, _defined(self.price)),
            *columns,
            _dollars(self.bid, ok_bid),
            _dollars(self.ask, ok_ask),
            _dollars(np.where(both, self.ask - self.bid, 0), both),
        ]
        # Bit j of a row's shape: condition j (NaN: left out), then bid, ask and spread.
        present = [np.isfinite(c) if c.dtype.kind == "f" else np.ones(n, np.bool_) for c in columns]
        shape = np.zeros(n, np.int64)
        for bit, mask in enumerate([*present, ok_bid, ok_ask, both]):
            shape |= mask.astype(np.int64) << bit
        times = np.datetime_as_string(self.ts.astype("datetime64[ns]"), unit="ns")
        types = [json.dumps(t) for t in self.alert_types]
        shapes = np.unique(shape).tolist()
        out = [""] * n if len(shapes) > 1 else []
        for code in shapes:
            rows = np.flatnonzero(shape == code) if len(shapes) > 1 else slice(None)
            fields = [
                list(map(symbol_json.__getitem__, self.slot[rows].tolist())),
                list(map(types.__getitem__, self.kinds[rows].tolist())),
                values[0][rows].tolist(),
                times[rows].tolist(),
                *(v[rows].tolist() for bit, v in enumerate(values[1:]) if code >> bit & 1),
            ]
            lines = list(map(self._template(code, columns).__mod__, zip(*fields, strict=True)))
            if isinstance(rows, slice):
                return lines
            for i, line in zip(rows.tolist(), lines, strict=True):
                out[i] = line
        return out

    def _template(self, code: int, columns: Sequence[npt.NDArray[Any]]) -> str:
        """The ``%`` template of rows whose present values are the bits of ``code``."""
        conds = [
            json.dumps(key).replace("%", "%%") + (": %r" if column.dtype.kind == "f" else ": %d")
            for bit, (key, column) in enumerate(zip(self.conditions, columns, strict=True))
            if code >> bit & 1
        ]
        k = len(columns)
        bid, ask, spread = ("%r" if code >> (k + j) & 1 else "null" for j in range(3))
        return (
            '{"symbol": %s, "alert_type": %s, "trigger_price": %r, "trigger_time": "%sZ", '
            '"conditions": {'
            + ", ".join(conds)
            + '}, "metadata": {"bid": '
            + bid
            + ', "ask": '
            + ask
            + ', "spread": '
            + spread
            + "}}"
        )

    def _generic_json_lines(self, symbol_json: Sequence[str]) -> list[str]:
        """:meth:`json_lines` for condition columns that are not all numbers."""
        types = [json.dumps(t) for t in self.alert_types]
        trigger = _dollar_texts(self.price, "0.0")
        times = np.datetime_as_string(self.ts.astype("datetime64[ns]"), unit="ns").tolist()
        bids, asks = _dollar_texts(self.bid, "null"), _dollar_texts(self.ask, "null")
        both = _defined(self.bid) & _defined(self.ask)
        spreads = _dollar_texts(np.where(both, self.ask - self.bid, UNDEF_PRICE), "null")
        conds = self._condition_texts()
        names = [symbol_json[s] for s in self.slot.tolist()]
        kinds = [types[k] for k in self.kinds.tolist()]
        return [
            f'{{"symbol": {name}, "alert_type": {kind}, "trigger_price": {price}, '
            f'"trigger_time": "{when}Z", "conditions": {cond}, "metadata": {{"bid": {bid}, '
            f'"ask": {ask}, "spread": {spread}}}}}'
            for name, kind, price, when, cond, bid, ask, spread in zip(
                names, kinds, trigger, times, conds, bids, asks, spreads, strict=True
            )
        ]

    def _condition_texts(self) -> list[str]:
        keys = list(self.conditions)
        if not keys:
            return ["{}"] * len(self)
        heads = [json.dumps(k) + ": " for k in keys]
        columns = [_json_column(np.asarray(self.conditions[k])) for k in keys]
        if all(v is not None for col in columns for v in col):
            template = "{" + ", ".join(h + "%s" for h in heads) + "}"
            return [template % values for values in zip(*columns, strict=True)]
        return [
            "{"
            + ", ".join(h + v for h, v in zip(heads, values, strict=True) if v is not None)
            + "}"
            for values in zip(*columns, strict=True)
        ]


def _defined(prices: I64) -> npt.NDArray[np.bool_]:
    ok: npt.NDArray[np.bool_] = (prices != UNDEF_PRICE) & (prices != NO_HIGH)
    return ok


def _dollars(prices: I64, ok: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Fixed-point prices in dollars (0.0 where ``ok`` is False)."""
    dollars: npt.NDArray[np.float64] = np.where(ok, prices, 0) / _SCALE
    return dollars


def _reprs(values: npt.NDArray[np.float64]) -> list[str]:
    """``repr`` of each float; each distinct value is formatted once (prices repeat a lot)."""
    if values.shape[0] < 64:
        return list(map(repr, values.tolist()))
    distinct, index = np.unique(values, return_inverse=True)
    texts = list(map(repr, distinct.tolist()))
    return [texts[i] for i in index.tolist()]


def _dollar_texts(prices: I64, missing: str) -> list[str]:
    """Fixed-point prices as JSON numbers in dollars (``missing`` where undefined)."""
    ok = _defined(prices)
    texts = _reprs(np.where(ok, prices, 0) / _SCALE)
    if not ok.all():
        for j in np.flatnonzero(~ok).tolist():
            texts[j] = missing
    return texts


def _json_column(values: npt.NDArray[Any]) -> list[str | None]:
    """One condition column as JSON texts (None: left out of that alert)."""
    if values.dtype.kind == "f":
        texts: list[str | None] = list(_reprs(values.astype(np.float64)))
        bad = ~np.isfinite(values)
        for j in np.flatnonzero(bad).tolist():
            texts[j] = None
        return texts
    if values.dtype.kind in "iu":
        return list(map(str, values.tolist()))
    return [_json_value(v) for v in values.tolist()]


def ordered_alerts(sets: Sequence[AlertSet]) -> list[Alert]:
    """The alerts of ``sets`` by record, then detector (the engine's output order)."""
    keyed = [
        (ordinal, s.detector, alert)
        for s in sets
        for ordinal, alert in zip(s.ordinal.tolist(), s.alerts(), strict=True)
    ]
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [alert for _, _, alert in keyed]


def merge_sets(sets: Sequence[AlertSet]) -> list[AlertSet]:
    """Fewer, longer sets holding the same alerts: one per detector and day when they agree.

    Keeps a long replay's memory at a few columns per alert rather than a set
    of arrays per batch. Sets whose condition keys differ stay apart.
    """
    groups: dict[tuple[int, str, tuple[str, ...], bool], list[AlertSet]] = {}
    for s in sets:
        key = (s.detector, s.labels.day, tuple(s.conditions), s.levels is None)
        groups.setdefault(key, []).append(s)
    merged: list[AlertSet] = []
    for group in groups.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        first = group[0]

        def cat(name: str, parts: list[AlertSet] = group) -> npt.NDArray[Any]:
            return np.concatenate([getattr(p, name) for p in parts])

        merged.append(
            AlertSet(
                alert_types=first.alert_types,
                kinds=cat("kinds"),
                slot=cat("slot"),
                ts=cat("ts"),
                price=cat("price"),
                bid=cat("bid"),
                ask=cat("ask"),
                ordinal=cat("ordinal"),
                detector=first.detector,
                symbols=first.symbols,
                labels=first.labels,
                levels=None if first.levels is None else cat("levels"),
                conditions={
                    k: np.concatenate([np.asarray(p.conditions[k]) for p in group])
                    for k in first.conditions
                },
            )
        )
    return merged
