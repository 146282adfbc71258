"""Parameter sweeps: a grid of detector thresholds, run in one pass and ranked.

A sweep is given as one or more ``NAME=V1,V2,...`` specs, each naming a field
of :class:`~tradeassist.screener.config.ScreenerConfig`; the grid is their
cartesian product. A tuple field (``gap_levels``) takes ``/``-separated levels
per value: ``gap_levels=3/5/10/20,2/4/8``. Example of a 20-point grid:
``--sweep gap_levels=2/5/10/20,3/5/10/20,4/6/10/20,5/10/20,7/10/20``
``--sweep volume_spike_multiple=3,5,8,12``.

Points are ranked by the total P&L of their simulated trades, then by hit rate.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradeassist.backtest.graded import GradedSet
from tradeassist.backtest.stats import TypeStats, summarize
from tradeassist.errors import InputError
from tradeassist.screener.config import ScreenerConfig

__all__ = [
    "DAILY_SWEEPABLE",
    "SweepPoint",
    "SweepResult",
    "grid",
    "parse_sweep",
    "rank",
    "score",
]

ParamValue = float | int | tuple[float, ...]
#: The fields the daily mode uses; the others do not apply to daily bars.
DAILY_SWEEPABLE = frozenset({"gap_levels", "min_price"})
_KINDS: dict[str, type] = {
    f.name: type(f.default)
    for f in dataclasses.fields(ScreenerConfig)
    if f.name != "detector_params"
}


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One point of the grid: the parameters it changes and the resulting config."""

    params: dict[str, ParamValue]
    config: ScreenerConfig

    @property
    def label(self) -> str:
        def text(v: ParamValue) -> str:
            return "/".join(f"{x:g}" for x in v) if isinstance(v, tuple) else f"{v:g}"

        return " ".join(f"{k}={text(v)}" for k, v in self.params.items())


@dataclass(frozen=True, slots=True)
class SweepResult:
    """A point's scorecard: per type, and totals over every type."""

    point: SweepPoint
    by_type: dict[str, TypeStats]
    alerts: int
    hit_rate: float | None
    mean_hit_return: float | None
    total_pnl: float
    profit_factor: float | None
    rank: int = 0


def _value(name: str, text: str) -> ParamValue:
    kind = _KINDS[name]
    try:
        if kind is tuple:
            levels = tuple(float(p) for p in text.split("/") if p.strip())
            if not levels or any(v <= 0 for v in levels) or list(levels) != sorted(levels):
                raise ValueError
            return levels
        if kind is int:
            return int(text)
        return float(text)
    except ValueError:
        raise InputError(f"--sweep {name}: {text!r} is not a valid value") from None


def parse_sweep(specs: Sequence[str]) -> dict[str, list[ParamValue]]:
    """``["gap_levels=3/5,2/4", "volume_spike_multiple=3,5"]`` as name -> values."""
    axes: dict[str, list[ParamValue]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        if not sep or not values.strip():
            raise InputError(f"--sweep takes NAME=V1,V2,... , not {spec!r}")
        if name not in _KINDS:
            known = ", ".join(sorted(_KINDS))
            raise InputError(f"--sweep: unknown parameter {name!r}; one of: {known}")
        if name in axes:
            raise InputError(f"--sweep: {name} is given twice")
        axes[name] = [_value(name, v.strip()) for v in values.split(",") if v.strip()]
    return axes


def grid(base: ScreenerConfig, axes: dict[str, list[ParamValue]]) -> list[SweepPoint]:
    """Every combination of the axes' values, applied on top of ``base``."""
    names = list(axes)
    points: list[SweepPoint] = []
    for combo in itertools.product(*(axes[n] for n in names)):
        params = dict(zip(names, combo, strict=True))
        changes: dict[str, Any] = dict(params)
        points.append(SweepPoint(params, dataclasses.replace(base, **changes)))
    return points


def score(point: SweepPoint, graded: GradedSet, *, hit_horizon: str) -> SweepResult:
    """The scorecard of one point from its graded alerts."""
    out = graded.outcomes
    judged = int((out.hit >= 0).sum())
    main = out.returns[:, graded.horizons.index(hit_horizon)]
    main = main[~np.isnan(main)]
    pnl = out.trades.pnl[out.traded]
    loss = float(-pnl[pnl < 0].sum())
    return SweepResult(
        point=point,
        by_type=summarize(graded, hit_horizon=hit_horizon),
        alerts=len(graded),
        hit_rate=int((out.hit == 1).sum()) / judged if judged else None,
        mean_hit_return=float(main.mean()) if main.size else None,
        total_pnl=float(pnl.sum()),
        profit_factor=float(pnl[pnl > 0].sum()) / loss if loss > 0 else None,
    )


def rank(results: Sequence[SweepResult]) -> list[SweepResult]:
    """Best first: total simulated P&L, then hit rate; ``rank`` set from 1."""
    ordered = sorted(
        results,
        key=lambda r: (-r.total_pnl, -(r.hit_rate if r.hit_rate is not None else -1.0)),
    )
    return [dataclasses.replace(r, rank=i + 1) for i, r in enumerate(ordered)]
