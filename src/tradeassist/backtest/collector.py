"""Collects the engines' alerts and one-minute bars during a replay and grades each day.

Records are never kept, and alerts stay columnar (the engine's ``AlertSet``
columns). Bars are kept, as numpy columns, only for symbols that alerted that
day and only from the minute of their first alert, and only until the day is
graded: the engine emits every bar of a day before any bar of the next (it
flushes open bars when the day changes), so a day is graded as soon as a later
day's bar arrives, and the rest at the end.

Several sinks (one per engine of a parameter sweep) share one set of bars; an
alert that several sinks raised identically (same symbol, type, time and
price) is graded once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tradeassist.backtest.bars import BarArrays, BarTable
from tradeassist.backtest.graded import GradedSet, concat_outcomes
from tradeassist.backtest.grading import (
    INTRADAY_HORIZONS,
    MINUTE_NS,
    NON_DIRECTIONAL_TYPES,
    OutcomeColumns,
    day_windows,
    direction_of,
    grade_columns,
)
from tradeassist.backtest.simulate_trades import TradeColumns, TradeRules
from tradeassist.domain.alerts import Alert
from tradeassist.market_calendar import TradingCalendar
from tradeassist.screener.alert_set import AlertSet
from tradeassist.screener.bar_output import BarSet
from tradeassist.screener.engine import ordered_alerts
from tradeassist.screener.layout import NO_HIGH, UNDEF_PRICE

__all__ = ["AlertCollector"]

I64 = npt.NDArray[np.int64]
_COLUMNS = 6  # symbol, kind, ts, price bits, ordinal, detector


@dataclass(slots=True)
class _Day:
    """One trading day: each sink's alert columns, and the bars kept for grading them."""

    alerts: list[list[I64]]
    first_minute: dict[str, int] = field(default_factory=dict)
    bars: list[tuple[I64, I64, npt.NDArray[np.float64]]] = field(default_factory=list)


def _no_alerts() -> I64:
    return np.empty((_COLUMNS, 0), np.int64)


def _take(cols: OutcomeColumns, idx: I64) -> OutcomeColumns:
    t = cols.trades
    trades = TradeColumns(t.entry_price[idx], t.exit_price[idx], t.exit_ns[idx], t.reason[idx],
                          t.pnl[idx], t.return_pct[idx], t.quantity)  # fmt: skip
    return OutcomeColumns(cols.returns[idx], cols.prices[idx], cols.mfe[idx], cols.mae[idx],
                          cols.hit[idx], cols.complete[idx], cols.traded[idx], trades)  # fmt: skip


def _record_order(cols: I64) -> I64:
    """The order by stream ordinal, then detector (stable)."""
    if cols.shape[1] and int(cols[5].max()) < 256:
        return np.argsort((cols[4] << 8) | cols[5], kind="stable")  # one key sorts faster
    return np.lexsort((cols[5], cols[4]))


def _key_hash(cols: I64) -> I64:
    """A 64-bit mix of (symbol, type, time, price bits); int64 arithmetic wraps."""
    with np.errstate(over="ignore"):
        h = cols[0] * np.int64(-7046029254386353131) + cols[1]
        h = (h ^ (h >> 29)) * np.int64(-4658895280553007687) + cols[2]
        h = (h ^ (h >> 32)) * np.int64(-7723592293110705685) + cols[3]
        out: I64 = h ^ (h >> 29)
        return out


class AlertCollector:
    """Feed it alert sets (per sink) and bars in engine order; ``finish`` grades what is left."""

    def __init__(
        self,
        *,
        calendar: TradingCalendar,
        rules: TradeRules | None,
        sinks: int = 1,
        keep_alerts: bool = False,
    ) -> None:
        self._calendar = calendar
        self._rules = rules
        self._sinks = sinks
        self._keep_alerts = keep_alerts
        self._days: dict[dt.date, _Day] = {}
        self._symbols: dict[str, int] = {}
        self._types: dict[str, int] = {}
        self._graded: list[list[tuple[I64, OutcomeColumns]]] = [[] for _ in range(sinks)]
        self._alerts: list[Alert] = []
        self.bars_kept = 0
        self.grading_seconds = 0.0

    def add_sets(self, sink: int, sets: Sequence[AlertSet]) -> None:
        """One batch's alert sets of sink ``sink``, before the bars drained with them."""
        if self._keep_alerts and sink == 0 and sets:
            self._alerts += ordered_alerts(sets)  # now: slots may be remapped on later days
        for s in sets:
            if not len(s):
                continue
            day = self._day(dt.date.fromisoformat(s.labels.day))
            # Per distinct symbol, not per alert; codes numbered in order of first appearance.
            slots, first_at, inverse = np.unique(s.slot, return_index=True, return_inverse=True)
            names = [s.symbols[i] for i in slots.tolist()]
            code_of = np.empty(len(names), np.int64)
            for k in np.argsort(first_at, kind="stable").tolist():
                code_of[k] = self._symbols.setdefault(names[k], len(self._symbols))
            codes = code_of[inverse]
            kinds = np.array([self._types.setdefault(t, len(self._types)) for t in s.alert_types])
            defined = (s.price != UNDEF_PRICE) & (s.price != NO_HIGH)
            price = np.where(defined, s.price / 1e9, 0.0)  # as Alert.trigger_price
            cols = np.stack([codes, kinds[s.kinds], s.ts, price.view(np.int64), s.ordinal,
                             np.full(len(s), s.detector)])  # fmt: skip
            day.alerts[sink].append(cols.astype(np.int64))
            earliest = np.full(len(names), 1 << 62, np.int64)
            np.minimum.at(earliest, inverse, s.ts - s.ts % MINUTE_NS)
            for name, minute in zip(names, earliest.tolist(), strict=True):
                if minute < day.first_minute.get(name, minute + 1):
                    day.first_minute[name] = minute

    def add_bars(self, bars: BarSet) -> None:
        """Completed bars as the engine drained them (columns), in its order."""
        if not len(bars) or not self._days:  # before any alert no bar is needed
            return
        start = bars.start
        latest = self._calendar.eastern_date(int(start[-1]))
        at = 0
        while at < len(bars):  # usually one day; a chunk may span a day change
            day = self._calendar.eastern_date(int(start[at]))
            _, day_end = self._calendar.day_bounds_ns(day)
            stop = at + int(np.searchsorted(start[at:] >= day_end, True))
            self._keep(day, bars.part(at, stop))
            at = stop
        for day in sorted(d for d in self._days if d < latest):
            self._grade_day(day)

    def finish(self) -> list[GradedSet]:
        """Grade every day still open; each sink's graded alerts in the contract's order."""
        for day in sorted(self._days):
            self._grade_day(day)
        symbols, types = list(self._symbols), list(self._types)
        out: list[GradedSet] = []
        for sink in range(self._sinks):
            parts, self._graded[sink] = self._graded[sink], []  # freed as each sink is joined
            cols = np.concatenate([c for c, _ in parts], axis=1) if parts else _no_alerts()
            out.append(
                GradedSet(
                    horizons=INTRADAY_HORIZONS,
                    symbols=symbols,
                    types=types,
                    symbol=cols[0],
                    kind=cols[1],
                    ts=cols[2],
                    price=cols[3].view(np.float64),
                    outcomes=concat_outcomes([o for _, o in parts], len(INTRADAY_HORIZONS)),
                    alerts=self._alerts if self._keep_alerts and sink == 0 else None,
                )
            )
        return out

    def _day(self, day: dt.date) -> _Day:
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = _Day(alerts=[[] for _ in range(self._sinks)])
        return found

    def _keep(self, day: dt.date, bars: BarSet) -> None:
        state = self._days.get(day)
        if state is None or not state.first_minute:
            return
        used, inverse = np.unique(bars.slot, return_inverse=True)
        names = [bars.symbols[i] for i in used.tolist()]
        never = 1 << 62
        first = np.array([state.first_minute.get(n, never) for n in names], np.int64)[inverse]
        keep = np.flatnonzero(bars.start >= first)
        if not keep.size:
            return
        codes = np.array([self._symbols.get(n, -1) for n in names], np.int64)[inverse]
        state.bars.append((codes[keep], bars.start[keep], bars.prices(keep)))
        self.bars_kept += int(keep.size)

    def _grade_day(self, day: dt.date) -> None:
        started = time.perf_counter()
        state = self._days.pop(day)
        per_sink = [np.concatenate(a, axis=1) if a else _no_alerts() for a in state.alerts]
        per_sink = [c[:, _record_order(c)] for c in per_sink]
        every = np.concatenate(per_sink, axis=1)
        if every.shape[1]:
            # One grading per distinct (symbol, type, time, price), shared by the sinks:
            # equal keys have equal hashes, so they sit together once sorted by hash (a
            # rare collision splitting a group only grades that alert twice, identically).
            order = np.argsort(_key_hash(every))
            keys = every[:4, order]
            new = np.ones(keys.shape[1], np.bool_)
            new[1:] = (keys[:, 1:] != keys[:, :-1]).any(axis=0)
            unique = keys[:, new]
            # Graded by symbol, then time: neighbours read neighbouring bars.
            by_symbol = np.lexsort((unique[2], unique[0]))
            rank = np.empty_like(by_symbol)
            rank[by_symbol] = np.arange(by_symbol.size)
            group = np.empty(keys.shape[1], np.int64)
            group[order] = rank[np.cumsum(new) - 1]
            graded = self._grade(day, state, unique[:, by_symbol])
            at = 0
            for sink, cols in enumerate(per_sink):
                n = cols.shape[1]
                kept = np.ascontiguousarray(cols[:4])  # ordinal and detector are done
                self._graded[sink].append((kept, _take(graded, group[at : at + n])))
                at += n
        self.grading_seconds += time.perf_counter() - started

    def _grade(self, day: dt.date, state: _Day, alerts: I64) -> OutcomeColumns:
        types = list(self._types)
        direction = np.array([direction_of(t) for t in types], np.int64)[alerts[1]]
        tradeable = np.array([t not in NON_DIRECTIONAL_TYPES for t in types], bool)[alerts[1]]
        _, day_end = self._calendar.day_bounds_ns(day)
        window = day_windows(alerts[2], self._calendar.session(day), day_end)
        return grade_columns(
            self._bar_table(state),
            code=alerts[0],
            direction=direction,
            tradeable=tradeable,
            price=alerts[3].view(np.float64),
            window=window,
            rules=self._rules,
        )

    @staticmethod
    def _bar_table(state: _Day) -> BarTable:
        if not state.bars:
            return BarTable(np.empty(0, np.int64), BarArrays.of([]))
        code = np.concatenate([c for c, _, _ in state.bars])
        start = np.concatenate([s for _, s, _ in state.bars])
        prices = np.concatenate([p for _, _, p in state.bars])
        state.bars.clear()
        order = np.lexsort((start, code))
        p = prices[order]
        return BarTable(
            code[order],
            BarArrays(start[order], *(np.ascontiguousarray(p[:, k]) for k in range(4))),
        )
