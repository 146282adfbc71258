"""``tradeassist backtest``: replay history, grade every alert, simulate trades, report.

Intraday (default): the DBN files replay in order through the screener engine
exactly as ``tradeassist replay`` runs it (same reader, batches and engine:
:mod:`tradeassist.backtest.feed`), so the alerts are replay's; each is graded
on the one-minute bars the engine builds (:mod:`tradeassist.backtest.grading`).
With a sweep, every grid point gets its own detectors and gate over the same
decoded batches; points that differ only in detector thresholds share one scan.
Daily (``--daily``): gap alerts from daily opens in daily CSV files
(:mod:`tradeassist.backtest.daily`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from tradeassist.backtest.collector import AlertCollector
from tradeassist.backtest.daily import DAILY_HIT_HORIZON, DAILY_HORIZONS, daily_gap_outcomes
from tradeassist.backtest.daily_files import read_daily
from tradeassist.backtest.feed import replay_engines
from tradeassist.backtest.graded import GradedSet
from tradeassist.backtest.grading import HIT_HORIZON, INTRADAY_HORIZONS
from tradeassist.backtest.report import (
    Report,
    render_table,
    write_alert_lines,
    write_csv,
    write_json,
)
from tradeassist.backtest.simulate_trades import TradeRules
from tradeassist.backtest.stats import summarize
from tradeassist.backtest.sweep import (
    DAILY_SWEEPABLE,
    SweepPoint,
    grid,
    parse_sweep,
    rank,
    score,
)
from tradeassist.errors import InputError
from tradeassist.feeds.corporate_actions import load_corporate_actions
from tradeassist.feeds.reference import load_reference
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.alert_set import AlertSet
from tradeassist.screener.bar_output import BarSet
from tradeassist.screener.config import ScreenerConfig
from tradeassist.settings import Settings

__all__ = ["run_backtest"]


def _config_json(config: ScreenerConfig) -> dict[str, Any]:
    fields = [f.name for f in dataclasses.fields(config) if f.name != "detector_params"]
    return {f: list(v) if isinstance(v := getattr(config, f), tuple) else v for f in fields}


def _intraday(
    files: Sequence[Path],
    reference: Path | None,
    corporate_actions: Path | None,
    configs: list[ScreenerConfig],
    rules: TradeRules,
    keep_alerts: bool,
    on_records: Callable[[int], None] | None,
    status: Sequence[Path] = (),
) -> tuple[int, list[GradedSet], dict[str, float]]:
    if reference is None:
        raise InputError("an intraday backtest needs --reference (a CSV or an ohlcv-1d DBN file)")
    calendar = trading_calendar()
    # Loaded exactly as replay loads it, so both see the same previous closes.
    ref = load_reference(reference, corporate_actions=corporate_actions)
    collector = AlertCollector(
        calendar=calendar, rules=rules, sinks=len(configs), keep_alerts=keep_alerts
    )

    def sink(alerts: Sequence[list[AlertSet]], bars: BarSet) -> None:
        for i, sets in enumerate(alerts):
            collector.add_sets(i, sets)
        collector.add_bars(bars)

    started = time.perf_counter()
    records = replay_engines(
        files,
        configs,
        sink,
        reference=ref,
        calendar=calendar,
        on_records=on_records,
        status=status,
    )
    graded = collector.finish()
    timings = {"total": time.perf_counter() - started, "grading": collector.grading_seconds}
    return records, graded, timings


def _daily(
    files: Sequence[Path],
    corporate_actions: Path | None,
    configs: list[ScreenerConfig],
    points: list[SweepPoint],
    rules: TradeRules,
) -> list[GradedSet]:
    unsupported = {name for p in points for name in p.params} - DAILY_SWEEPABLE
    if unsupported:
        raise InputError(
            f"--daily sweeps only {', '.join(sorted(DAILY_SWEEPABLE))}, not"
            f" {', '.join(sorted(unsupported))}"
        )
    actions = load_corporate_actions(corporate_actions) if corporate_actions else None
    calendar = trading_calendar()
    series = [read_daily(Path(f)) for f in files]
    results: list[GradedSet] = []
    for config in configs:
        found = [
            o
            for s in series
            for o in daily_gap_outcomes(
                s,
                gap_levels=config.gap_levels,
                min_price=config.min_price,
                actions=actions,
                rules=rules,
                calendar=calendar,
            )
        ]
        found.sort(key=lambda o: (o.alert.trigger_time_ns, o.alert.symbol))
        results.append(GradedSet.from_outcomes(found, DAILY_HORIZONS))
    return results


def _progress(enabled: bool) -> tuple[Progress | None, Callable[[int], None] | None]:
    if not enabled:
        return None, None
    bar = Progress(
        SpinnerColumn(),
        TextColumn("replaying {task.completed:,} records"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("replay", total=None)
    return bar, lambda n: bar.advance(task, n)


def run_backtest(
    files: Sequence[Path],
    *,
    reference: Path | None,
    out: Path,
    corporate_actions: Path | None = None,
    settings: Settings,
    daily: bool = False,
    sweep: Sequence[str] = (),
    csv: Path | None = None,
    progress: bool = False,
    rules: TradeRules | None = None,
    alerts_out: Path | None = None,
    store: bool = False,
    console: Console | None = None,
    status: Sequence[Path] = (),
) -> Report:
    """Run the backtest, write REPORT.json (and the CSV), print the table to ``console``.

    ``sweep``: ``NAME=V1,V2,...`` specs (see :mod:`tradeassist.backtest.sweep`).
    ``alerts_out``: also write every graded alert as JSON lines. ``store``: also
    store the intraday alerts and their outcomes in the configured database.
    ``status``: Databento status files merged into the intraday stream (halts).
    Raises an InputError subclass for unusable input; nothing is written then.
    """
    if not files:
        raise InputError("give at least one file to backtest")
    if daily and status:
        raise InputError("--status goes with an intraday backtest, not --daily")
    rules = rules or TradeRules()
    base = ScreenerConfig.from_settings(settings)
    points = grid(base, parse_sweep(sweep)) if sweep else []
    configs = [base, *(p.config for p in points)]
    records = 0
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if daily:
        horizons, hit_horizon = DAILY_HORIZONS, DAILY_HIT_HORIZON
        results = _daily(files, corporate_actions, configs, points, rules)
    else:
        horizons, hit_horizon = INTRADAY_HORIZONS, HIT_HORIZON
        keep = store or alerts_out is not None
        bar, on_records = _progress(progress)
        try:
            if bar is not None:
                bar.start()
            records, results, timings = _intraday(
                files, reference, corporate_actions, configs, rules, keep, on_records, status
            )
        finally:
            if bar is not None:
                bar.stop()
    timings.setdefault("total", time.perf_counter() - started)
    scored = [
        score(p, g, hit_horizon=hit_horizon) for p, g in zip(points, results[1:], strict=True)
    ]
    report = Report(
        mode="daily" if daily else "intraday",
        files=[str(f) for f in files],
        horizons=horizons,
        hit_horizon=hit_horizon,
        by_type=summarize(results[0], hit_horizon=hit_horizon),
        graded=results[0],
        rules=rules,
        config=_config_json(base),
        records=records,
        sweep=rank(scored),
        timings=timings,
    )
    write_json(report, out)
    if csv is not None:
        write_csv(report, csv)
    if alerts_out is not None:
        write_alert_lines(report, alerts_out)
    if store and not daily:
        asyncio.run(_store(settings, results[0]))
    if console is not None:
        render_table(report, console)
    return report


async def _store(settings: Settings, graded: GradedSet) -> int:
    from tradeassist.backtest.persist import store_outcomes

    return await store_outcomes(settings.resolved_database_url, graded)
