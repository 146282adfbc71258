"""The backtest report: JSON (the contract's shape), CSV and a rich table.

``REPORT.json`` holds ``by_type``, keyed by alert type, each with at least
``count``, ``hit_rate`` and ``mean_return`` (keyed by horizon: ``1m``, ``5m``,
``30m``, ``close`` intraday; ``close``, ``1d``, ``5d`` daily; signed
fractions, null where no alert had that horizon), plus medians, excursions,
the simulated trades (P&L in dollars, profit factor, the cumulative P&L
curve) and the ranked sweep under ``sweep``. Every graded alert, one JSON
object per line, goes to a file of its own when asked (a busy day has hundreds
of thousands). Files are written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tradeassist.backtest.graded import GradedSet
from tradeassist.backtest.grading import NON_DIRECTIONAL_TYPES, Outcome, direction_of
from tradeassist.backtest.simulate_trades import SimTrade, TradeRules
from tradeassist.backtest.stats import TypeStats
from tradeassist.backtest.sweep import SweepResult
from tradeassist.domain.alerts import format_ns
from tradeassist.errors import InputError

__all__ = [
    "Report",
    "render_table",
    "report_json",
    "write_alert_lines",
    "write_csv",
    "write_json",
]


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a backtest found; see the module docstring for the JSON."""

    mode: str
    files: list[str]
    horizons: tuple[str, ...]
    hit_horizon: str
    by_type: dict[str, TypeStats]
    graded: GradedSet
    rules: TradeRules
    config: dict[str, Any]
    records: int = 0
    sweep: list[SweepResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def alerts(self) -> int:
        return len(self.graded)

    @property
    def outcomes(self) -> list[Outcome]:
        """Every graded alert as an object (builds them: for tests and small runs)."""
        return [self.graded.outcome(i) for i in range(len(self.graded))]


def _direction(alert_type: str, direction: int) -> str:
    if alert_type in NON_DIRECTIONAL_TYPES:
        return "none (graded as long)"
    return "long" if direction > 0 else "short"


def _trade_json(trade: SimTrade) -> dict[str, Any]:
    return {
        "entry_price": trade.entry_price,
        "entry_time": format_ns(trade.entry_ns),
        "exit_price": trade.exit_price,
        "exit_time": format_ns(trade.exit_ns),
        "exit_reason": trade.exit_reason,
        "pnl": round(trade.pnl, 6),
        "return": trade.return_pct,
    }


def _type_json(stats: TypeStats, direction: int) -> dict[str, Any]:
    t = stats.trades
    return {
        "count": stats.count,
        "graded": stats.graded,
        "hits": stats.hits,
        "hit_rate": stats.hit_rate,
        "direction": _direction(stats.alert_type, direction),
        "mean_return": stats.mean_return,
        "median_return": stats.median_return,
        "with_horizon": stats.known,
        "mean_mfe": stats.mean_mfe,
        "mean_mae": stats.mean_mae,
        "profit_factor": t.profit_factor,
        "total_pnl": round(t.total_pnl, 6),
        "trades": {
            "count": t.trades,
            "wins": t.wins,
            "win_rate": t.win_rate,
            "total_pnl": round(t.total_pnl, 6),
            "gross_profit": round(t.gross_profit, 6),
            "gross_loss": round(t.gross_loss, 6),
            "profit_factor": t.profit_factor,
            "mean_return": t.mean_trade_return,
        },
        "pnl_curve": [{"time": format_ns(ns), "pnl": round(v, 6)} for ns, v in t.curve],
    }


def _outcome_json(o: Outcome) -> dict[str, Any]:
    return {
        **o.alert.to_json_dict(),
        "direction": "short" if o.direction < 0 else "long",
        "returns": o.returns,
        "prices": o.prices,
        "mfe": o.mfe,
        "mae": o.mae,
        "hit": o.hit,
        "trade": None if o.trade is None else _trade_json(o.trade),
    }


def report_json(report: Report) -> dict[str, Any]:
    """The report as a JSON-ready dict (no NaN: unknown figures are None)."""
    return {
        "mode": report.mode,
        "files": report.files,
        "records": report.records,
        "horizons": list(report.horizons),
        "hit_horizon": report.hit_horizon,
        "alerts_graded": report.alerts,
        "settings": report.config,
        "trade_rules": report.rules.as_dict(),
        "by_type": {t: _type_json(s, direction_of(t)) for t, s in report.by_type.items()},
        "sweep": [
            {
                "rank": r.rank,
                "params": {
                    k: list(v) if isinstance(v, tuple) else v for k, v in r.point.params.items()
                },
                "alerts": r.alerts,
                "hit_rate": r.hit_rate,
                "mean_hit_return": r.mean_hit_return,
                "total_pnl": round(r.total_pnl, 6),
                "profit_factor": r.profit_factor,
                "by_type": {
                    t: {"count": s.count, "hit_rate": s.hit_rate, "mean_return": s.mean_return}
                    for t, s in r.by_type.items()
                },
            }
            for r in report.sweep
        ],
        "timings_s": report.timings,
    }


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file (mkstemp's is 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file and a rename: readers never see half a file."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def write_json(report: Report, path: Path) -> None:
    """Write REPORT.json atomically."""
    _atomic_write(path, json.dumps(report_json(report), indent=1, allow_nan=False) + "\n")


def _csv_rows(
    scope: str, rank: int | str, by_type: dict[str, TypeStats], horizons: Sequence[str]
) -> Iterator[list[object]]:
    for t, s in by_type.items():
        tr = s.trades
        row: list[object] = [scope, rank, t, s.count, s.graded, s.hit_rate]
        row += [s.mean_return.get(h) for h in horizons]
        row += [s.median_return.get(h) for h in horizons]
        row += [s.mean_mfe, s.mean_mae, tr.trades, tr.win_rate, round(tr.total_pnl, 6)]
        row.append(tr.profit_factor)
        yield row


def write_alert_lines(report: Report, path: Path) -> None:
    """Every graded alert with its outcome, one JSON object per line, atomically."""
    graded = report.graded
    lines = [json.dumps(_outcome_json(graded.outcome(i)), allow_nan=False)
             for i in range(len(graded))]  # fmt: skip
    _atomic_write(path, "".join(line + "\n" for line in lines))


def write_csv(report: Report, path: Path) -> None:
    """The scorecard as CSV: one row per alert type (``scope`` ``all``), then per sweep point."""
    hz = report.horizons
    header = ["scope", "rank", "alert_type", "count", "graded", "hit_rate"]
    header += [f"mean_{h}" for h in hz] + [f"median_{h}" for h in hz]
    header += ["mean_mfe", "mean_mae", "trades", "win_rate", "total_pnl", "profit_factor"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(_csv_rows("all", "", report.by_type, hz))
    for r in report.sweep:
        writer.writerows(_csv_rows(r.point.label, r.rank, r.by_type, hz))
    _atomic_write(path, buf.getvalue())


def _pct(value: float | None, digits: int = 2) -> str:
    """A signed return as percent: ``+0.52%``."""
    return "-" if value is None else f"{value * 100:+.{digits}f}%"


def _rate(value: float | None) -> str:
    """A rate as percent: ``61.3%``."""
    return "-" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def render_table(report: Report, console: Console) -> None:
    """Print the scorecard (and the sweep's ranking) as rich tables."""
    title = f"Alert scorecard ({report.mode}, {report.alerts:,} alerts"
    title += f", {report.records:,} records)" if report.records else ")"
    table = Table(title=title, title_justify="left")
    for name in ("alert_type", "count", "hit rate"):
        table.add_column(name, justify="left" if name == "alert_type" else "right")
    for h in report.horizons:
        table.add_column(f"mean {h}", justify="right")
    for name in ("MFE", "MAE", "trades", "win", "P&L $", "PF"):
        table.add_column(name, justify="right")
    for t, s in report.by_type.items():
        tr = s.trades
        cells = [t, f"{s.count:,}", _rate(s.hit_rate)]
        cells += [_pct(s.mean_return[h]) for h in report.horizons]
        cells += [_pct(s.mean_mfe), _pct(s.mean_mae), f"{tr.trades:,}", _rate(tr.win_rate)]
        cells += [f"{tr.total_pnl:,.2f}", _num(tr.profit_factor, ".2f")]
        table.add_row(*cells)
    console.print(table)
    if not report.sweep:
        return
    ranking = Table(title=f"Sweep ({len(report.sweep)} points, best first)", title_justify="left")
    names = ["rank", "parameters", "alerts", "hit rate", f"mean {report.hit_horizon}", "P&L $"]
    for name in [*names, "PF"]:
        ranking.add_column(name, justify="left" if name == "parameters" else "right")
    for r in report.sweep:
        ranking.add_row(
            str(r.rank),
            r.point.label,
            f"{r.alerts:,}",
            _rate(r.hit_rate),
            _pct(r.mean_hit_return),
            f"{r.total_pnl:,.2f}",
            _num(r.profit_factor, ".2f"),
        )
    console.print(ranking)
