"""Graded alerts as columns: what the scorecard, the sweep and the report read.

A backtest of a busy day grades hundreds of thousands of alerts per engine;
they stay as numpy columns (symbol and type codes, trigger time and price)
next to their :class:`~tradeassist.backtest.grading.OutcomeColumns`. Alert
objects exist only where asked for (stored, or written one per line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tradeassist.backtest.grading import Outcome, OutcomeColumns
from tradeassist.backtest.simulate_trades import EXIT_REASONS, TradeColumns
from tradeassist.domain.alerts import Alert

__all__ = ["GradedSet", "concat_outcomes"]

I64 = npt.NDArray[np.int64]


def concat_outcomes(parts: Sequence[OutcomeColumns], horizons: int) -> OutcomeColumns:
    """One set of outcome columns from several, in order."""
    if not parts:
        empty = np.empty(0, np.float64)
        trades = TradeColumns(empty, empty, np.empty(0, np.int64), np.empty(0, np.int8),
                              empty, empty, 0)  # fmt: skip
        no = np.empty(0, np.bool_)
        grid = np.empty((0, horizons), np.float64)
        return OutcomeColumns(grid, grid, empty, empty, np.empty(0, np.int8), no, no, trades)
    t = [p.trades for p in parts]

    def cat(arrays: Sequence[npt.NDArray[np.generic]]) -> npt.NDArray[Any]:
        return np.concatenate(arrays)

    trades = TradeColumns(
        entry_price=cat([x.entry_price for x in t]),
        exit_price=cat([x.exit_price for x in t]),
        exit_ns=cat([x.exit_ns for x in t]),
        reason=cat([x.reason for x in t]),
        pnl=cat([x.pnl for x in t]),
        return_pct=cat([x.return_pct for x in t]),
        quantity=t[0].quantity,
    )
    return OutcomeColumns(
        returns=cat([p.returns for p in parts]),
        prices=cat([p.prices for p in parts]),
        mfe=cat([p.mfe for p in parts]),
        mae=cat([p.mae for p in parts]),
        hit=cat([p.hit for p in parts]),
        complete=cat([p.complete for p in parts]),
        traded=cat([p.traded for p in parts]),
        trades=trades,
    )


@dataclass(frozen=True, slots=True)
class GradedSet:
    """Alerts in the contract's order and their outcomes, row for row.

    ``symbol``/``kind`` index ``symbols``/``types``; ``ts`` is the trigger time
    (UTC ns), ``price`` the trigger price (dollars). ``alerts`` holds the Alert
    objects when they were kept.
    """

    horizons: tuple[str, ...]
    symbols: list[str]
    types: list[str]
    symbol: I64
    kind: I64
    ts: I64
    price: npt.NDArray[np.float64]
    outcomes: OutcomeColumns
    alerts: list[Alert] | None = field(default=None)

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def alert(self, i: int) -> Alert:
        """Alert ``i``: the kept object, or one rebuilt from the columns."""
        if self.alerts is not None:
            return self.alerts[i]
        return Alert(
            symbol=self.symbols[int(self.symbol[i])],
            alert_type=self.types[int(self.kind[i])],
            trigger_price=float(self.price[i]),
            trigger_time_ns=int(self.ts[i]),
            trading_day="",
            level="",
        )

    def outcome(self, i: int) -> Outcome:
        return Outcome.of(self.alert(i), self.outcomes, i, self.horizons)

    @classmethod
    def from_outcomes(cls, outcomes: Sequence[Outcome], horizons: tuple[str, ...]) -> GradedSet:
        """Columns from Outcome objects (the daily mode's few alerts)."""
        symbols: dict[str, int] = {}
        types: dict[str, int] = {}
        n, nan = len(outcomes), float("nan")

        def grid(attr: str) -> npt.NDArray[np.float64]:
            rows = [[nan if (v := getattr(o, attr).get(h)) is None else v for h in horizons]
                    for o in outcomes]  # fmt: skip
            return np.array(rows, np.float64).reshape(n, len(horizons))

        trades = [o.trade for o in outcomes]

        def trade_col(name: str, dtype: type, missing: float) -> npt.NDArray[np.generic]:
            return np.array([missing if t is None else getattr(t, name) for t in trades], dtype)

        reasons = [0 if t is None else EXIT_REASONS.index(t.exit_reason) for t in trades]
        quantity = next((t.quantity for t in trades if t is not None), 0)
        cols = OutcomeColumns(
            returns=grid("returns"),
            prices=grid("prices"),
            mfe=np.array([nan if o.mfe is None else o.mfe for o in outcomes], np.float64),
            mae=np.array([nan if o.mae is None else o.mae for o in outcomes], np.float64),
            hit=np.array([-1 if o.hit is None else int(o.hit) for o in outcomes], np.int8),
            complete=np.array([o.complete for o in outcomes], np.bool_),
            traded=np.array([t is not None for t in trades], np.bool_),
            trades=TradeColumns(
                trade_col("entry_price", np.float64, nan),  # type: ignore[arg-type]
                trade_col("exit_price", np.float64, nan),  # type: ignore[arg-type]
                trade_col("exit_ns", np.int64, 0),  # type: ignore[arg-type]
                np.array(reasons, np.int8),
                trade_col("pnl", np.float64, 0.0),  # type: ignore[arg-type]
                trade_col("return_pct", np.float64, nan),  # type: ignore[arg-type]
                quantity,
            ),
        )
        alerts = [o.alert for o in outcomes]
        symbol = np.array([symbols.setdefault(a.symbol, len(symbols)) for a in alerts], np.int64)
        kind = np.array([types.setdefault(a.alert_type, len(types)) for a in alerts], np.int64)
        return cls(
            horizons=horizons,
            symbols=list(symbols),
            types=list(types),
            symbol=symbol,
            kind=kind,
            ts=np.array([a.trigger_time_ns for a in alerts], np.int64),
            price=np.array([a.trigger_price for a in alerts], np.float64),
            outcomes=cols,
            alerts=alerts,
        )
