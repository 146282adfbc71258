"""The scorecard: graded alerts summed up per alert type (pure).

Per type: how many alerts, how many had the hit horizon known (``graded``),
the hit rate over those, mean and median signed return per horizon (over
the alerts where that horizon is known), mean excursions, and the simulated
trades: count, win rate, total P&L (dollars), profit factor (gross profit
over gross loss; None without a losing trade) and the cumulative P&L curve
by exit time, thinned to at most ``CURVE_POINTS`` points (evenly spaced in
trade count, the last trade always included).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tradeassist.backtest.graded import GradedSet
from tradeassist.domain.alerts import ALERT_TYPES

__all__ = ["CURVE_POINTS", "TradeStats", "TypeStats", "summarize", "summarize_trades"]

CURVE_POINTS = 1000


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Simulated trades: P&L in dollars; ``curve`` is (exit time ns, cumulative P&L)."""

    trades: int
    wins: int
    win_rate: float | None
    total_pnl: float
    gross_profit: float
    gross_loss: float
    profit_factor: float | None
    mean_trade_return: float | None
    curve: list[tuple[int, float]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TypeStats:
    """One alert type's scorecard; returns are signed fractions keyed by horizon."""

    alert_type: str
    count: int
    graded: int
    hits: int
    hit_rate: float | None
    mean_return: dict[str, float | None]
    median_return: dict[str, float | None]
    known: dict[str, int]
    mean_mfe: float | None
    mean_mae: float | None
    trades: TradeStats


def _mean(values: npt.NDArray[np.float64]) -> float | None:
    ok = values[~np.isnan(values)]
    return float(ok.mean()) if ok.size else None


def _median(values: npt.NDArray[np.float64]) -> float | None:
    ok = values[~np.isnan(values)]
    return float(np.median(ok)) if ok.size else None


def summarize_trades(
    pnl: npt.NDArray[np.float64],
    exit_ns: npt.NDArray[np.int64],
    entry_ns: npt.NDArray[np.int64],
    returns: npt.NDArray[np.float64],
) -> TradeStats:
    """Totals and the cumulative P&L curve of trades (ordered by exit, then entry time)."""
    order = np.lexsort((entry_ns, exit_ns))
    pnl, exits = pnl[order], exit_ns[order]
    cumulative = np.cumsum(pnl)
    n = int(pnl.shape[0])
    picks = np.unique(np.linspace(0, n - 1, min(n, CURVE_POINTS)).round().astype(np.int64))
    gross_profit = float(pnl[pnl > 0].sum())
    gross_loss = float(-pnl[pnl < 0].sum())
    wins = int((pnl > 0).sum())
    return TradeStats(
        trades=n,
        wins=wins,
        win_rate=wins / n if n else None,
        total_pnl=float(cumulative[-1]) if n else 0.0,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        profit_factor=gross_profit / gross_loss if gross_loss > 0 else None,
        mean_trade_return=_mean(returns),
        curve=[(int(exits[i]), float(cumulative[i])) for i in picks.tolist()] if n else [],
    )


def _one_type(name: str, graded: GradedSet, rows: npt.NDArray[np.bool_], hit_at: int) -> TypeStats:
    out = graded.outcomes
    returns = out.returns[rows]
    judged = ~np.isnan(returns[:, hit_at])
    hits = int((out.hit[rows] == 1).sum())
    traded = rows & out.traded
    t = out.trades
    hz = graded.horizons
    return TypeStats(
        alert_type=name,
        count=int(rows.sum()),
        graded=int(judged.sum()),
        hits=hits,
        hit_rate=hits / int(judged.sum()) if judged.any() else None,
        mean_return={h: _mean(returns[:, k]) for k, h in enumerate(hz)},
        median_return={h: _median(returns[:, k]) for k, h in enumerate(hz)},
        known={h: int((~np.isnan(returns[:, k])).sum()) for k, h in enumerate(hz)},
        mean_mfe=_mean(out.mfe[rows]),
        mean_mae=_mean(out.mae[rows]),
        trades=summarize_trades(
            t.pnl[traded], t.exit_ns[traded], graded.ts[traded], t.return_pct[traded]
        ),
    )


def summarize(graded: GradedSet, *, hit_horizon: str) -> dict[str, TypeStats]:
    """Scorecards keyed by alert type, in the order of ``ALERT_TYPES`` (others after, by name)."""
    hit_at = graded.horizons.index(hit_horizon)
    present = sorted(set(np.unique(graded.kind).tolist()))
    known = {t: i for i, t in enumerate(ALERT_TYPES)}
    names = sorted((graded.types[k] for k in present), key=lambda t: (known.get(t, len(known)), t))
    code = {name: i for i, name in enumerate(graded.types)}
    return {name: _one_type(name, graded, graded.kind == code[name], hit_at) for name in names}
