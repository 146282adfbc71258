"""The ``tradeassist`` command line: each command is a thin call into the layers.

Any ``TradeAssistError`` becomes one line on stderr and exit status 2; the
settings are read once here and passed down.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tradeassist.errors import InputError, TradeAssistError

if TYPE_CHECKING:
    from tradeassist.settings import Settings

__all__ = ["app", "main"]

# Nothing here multiplies matrices, and OpenBLAS's worker threads, started when
# numpy is imported, spin a second core for about 0.1 s of CPU each run.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = typer.Typer(
    name="tradeassist",
    help="Real-time trading assistant for US stocks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


# Each command imports what it needs, so a short command does not pay for the rest.
def _settings() -> Settings:
    from tradeassist.settings import load_settings

    return load_settings()


def _migrate_if_enabled(settings: Settings) -> None:
    if settings.auto_migrate:
        import asyncio

        from tradeassist.store.migrate import upgrade

        asyncio.run(upgrade(settings.resolved_database_url))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured database (idempotent)."""
    import asyncio

    from tradeassist.store.migrate import upgrade

    settings = _settings()
    asyncio.run(upgrade(settings.resolved_database_url))
    typer.echo("database is at the latest migration")


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(help="A DBN file (.dbn or .dbn.zst), MBP-1 or trades.")],
    reference: Annotated[
        Path, typer.Option("--reference", help="CSV symbol,prev_close,avg_volume or ohlcv-1d DBN.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Alerts as JSON lines, written atomically.")],
    corporate_actions: Annotated[
        Path | None,
        typer.Option("--corporate-actions", help="CSV symbol,ex_date,split_ratio."),
    ] = None,
    store: Annotated[
        bool, typer.Option("--store", help="Also store the alerts in the configured database.")
    ] = False,
    speed: Annotated[
        float, typer.Option("--speed", help="0: as fast as possible; N: real time x N.")
    ] = 0.0,
    status: Annotated[
        Path | None,
        typer.Option(
            "--status",
            help="A DBN status file (halts and resumptions) merged into the stream by ts_recv.",
        ),
    ] = None,
) -> None:
    """Run the screener over a DBN file as fast as possible and write its alerts."""
    from tradeassist.screener.replay import replay_file

    settings = _settings()
    # The imports (numba's above all) leave ~100k long-lived objects: frozen, the
    # collector stops walking them during the run and again at exit (about a second).
    gc.freeze()
    if speed < 0:
        raise InputError("--speed must be 0 (as fast as possible) or positive")
    if store:
        _migrate_if_enabled(settings)
    summary = replay_file(
        file,
        reference=reference,
        out=out,
        corporate_actions=corporate_actions,
        settings=settings,
        store=store,
        speed=speed,
        progress=sys.stderr.isatty(),
        status=status,
    )
    typer.echo(summary, err=True)
    gc.freeze()


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="The DBN file to write (.dbn or .dbn.zst).")],
    symbols: Annotated[int, typer.Option("--symbols", help="How many symbols.")] = 500,
    records: Annotated[int, typer.Option("--records", help="About how many records.")] = 1_000_000,
    day: Annotated[str, typer.Option("--day", help="Trading day, YYYY-MM-DD.")] = "2026-03-10",
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
) -> None:
    """Write a synthetic market day as a real DBN file, its reference CSV and ground truth."""
    import datetime as dt

    from tradeassist.feeds.simulator import SimulationSpec, simulate_day

    try:
        trading_day = dt.date.fromisoformat(day)
    except ValueError:
        raise InputError(f"--day must be a date as YYYY-MM-DD, not {day!r}") from None
    result = simulate_day(
        SimulationSpec(symbols=symbols, records=records, day=trading_day, seed=seed),
        out=out,
        progress=sys.stderr.isatty(),
    )
    typer.echo(
        f"wrote {result.records:,} records for {result.symbols:,} symbols to {result.dbn_path}; "
        f"reference {result.reference_path}; ground truth {result.truth_path}",
        err=True,
    )


@app.command()
def api(
    host: Annotated[str | None, typer.Option("--host", help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on.")] = None,
) -> None:
    """Serve the API (REST, WebSocket, SSE, SMS webhooks) and the dashboard."""
    from tradeassist.api.server import serve

    settings = _settings()
    _migrate_if_enabled(settings)
    serve(settings=settings, host=host or settings.host, port=port or settings.port)


@app.command()
def screener(
    reference: Annotated[
        Path, typer.Option("--reference", help="CSV symbol,prev_close,avg_volume or ohlcv-1d DBN.")
    ],
    corporate_actions: Annotated[
        Path | None,
        typer.Option("--corporate-actions", help="CSV symbol,ex_date,split_ratio."),
    ] = None,
    shard: Annotated[
        str | None, typer.Option("--shard", help="i/N: screen the i-th of N symbol shards.")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help=(
                "Replay the live feed from: an ISO-8601 time (UTC unless it has an offset,"
                " e.g. 2026-03-10T13:30:00Z), UNIX nanoseconds, or 'all' (everything the"
                " gateway still has). Default: midnight US/Eastern today."
            ),
        ),
    ] = None,
) -> None:
    """Screen the Databento Live feed until SIGINT or SIGTERM, storing every alert."""
    from tradeassist.live.service import serve_screener

    settings = _settings()
    _migrate_if_enabled(settings)
    summary = serve_screener(
        settings,
        reference=reference,
        corporate_actions=corporate_actions,
        shard=shard,
        start=start,
    )
    typer.echo(
        f"screener stopped: {summary.records:,} records, {summary.alerts_raised:,} alerts raised, "
        f"{summary.alerts_stored:,} newly stored, {summary.alerts_spooled:,} spooled",
        err=True,
    )


@app.command()
def worker() -> None:
    """Run the Temporal worker of the trade lifecycle (needs TEMPORAL_ADDRESS or 127.0.0.1:7233).

    Open trades are priced from the one-minute bars a separate `tradeassist
    screener` stores; SIGINT or SIGTERM stops it.
    """
    import asyncio

    from tradeassist.workflows.worker import serve_worker

    settings = _settings()
    _migrate_if_enabled(settings)
    asyncio.run(serve_worker(settings))


@app.command()
def backtest(
    files: Annotated[list[Path], typer.Argument(help="DBN files (one per day) or daily CSVs.")],
    out: Annotated[Path, typer.Option("--out", help="The scorecard as JSON.")],
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="CSV or ohlcv-1d DBN covering the sessions before."),
    ] = None,
    corporate_actions: Annotated[
        Path | None,
        typer.Option("--corporate-actions", help="CSV symbol,ex_date,split_ratio."),
    ] = None,
    daily: Annotated[
        bool, typer.Option("--daily", help="Grade gaps from daily bars (close, 1d, 5d).")
    ] = False,
    sweep: Annotated[
        list[str] | None,
        typer.Option("--sweep", help="A parameter grid, e.g. gap_levels=3,5 (repeatable)."),
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the table as CSV.")] = None,
    store: Annotated[
        bool, typer.Option("--store", help="Store the graded outcomes in the database.")
    ] = False,
    stop_pct: Annotated[
        float, typer.Option("--stop-pct", help="Stop-loss, % against the entry (0: none).")
    ] = 1.0,
    target_pct: Annotated[
        float, typer.Option("--target-pct", help="Take-profit, % in favour (0: none).")
    ] = 2.0,
    trailing_pct: Annotated[
        float,
        typer.Option("--trailing-pct", help="Trailing stop, % behind the best price (0: none)."),
    ] = 0.0,
    slippage_bps: Annotated[
        float, typer.Option("--slippage-bps", help="Slippage on every fill, basis points.")
    ] = 2.0,
    commission: Annotated[
        float, typer.Option("--commission", help="Commission, dollars per share each way.")
    ] = 0.005,
    quantity: Annotated[int, typer.Option("--quantity", help="Shares per trade.")] = 100,
    status: Annotated[
        list[Path] | None,
        typer.Option("--status", help="A DBN status file merged in by ts_recv (repeatable)."),
    ] = None,
) -> None:
    """Replay history through the screener, grade every alert and print the scorecard.

    Each alert is also traded on paper in its direction by the lifecycle's rules:
    entry at the trigger price, exit at the stop, the target, the trailing stop
    or the close, whichever comes first, after slippage and commission.
    """
    from rich.console import Console

    from tradeassist.backtest.run import run_backtest
    from tradeassist.backtest.simulate_trades import trade_rules

    rules = trade_rules(
        quantity=quantity,
        stop_pct=stop_pct,
        target_pct=target_pct,
        trail_pct=trailing_pct,
        slippage_bps=slippage_bps,
        commission_per_share=commission,
    )
    settings = _settings()
    if store:
        _migrate_if_enabled(settings)
    run_backtest(
        files,
        reference=reference,
        out=out,
        corporate_actions=corporate_actions,
        settings=settings,
        daily=daily,
        sweep=sweep or (),
        csv=csv,
        progress=sys.stderr.isatty(),
        rules=rules,
        store=store,
        console=Console(),  # the scorecard (and a sweep's ranking) as tables on stdout
        status=status or (),
    )


@app.command()
def run(
    host: Annotated[str | None, typer.Option("--host", help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on.")] = None,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="Reference data for a real Databento feed."),
    ] = None,
) -> None:
    """Everything in one process: screener on a simulated market, API and dashboard."""
    import asyncio

    from tradeassist.api.embedded import ensure_admin_token
    from tradeassist.runner import dashboard_dir, prepare_demo, run_everything

    settings = _settings()
    _migrate_if_enabled(settings)
    host = host or settings.host
    port = port or settings.port
    typer.echo("preparing the simulated market (first run only) ...", err=True)
    market = prepare_demo(settings)
    token = ensure_admin_token(settings)
    static_dir = dashboard_dir()
    typer.echo(f"tradeassist on http://{host}:{port}/ (API docs at /docs)", err=True)
    if static_dir is None:
        typer.echo("the dashboard is not built: `make run` builds it", err=True)
    if token:
        typer.echo(f"admin token (shown once; sign in with it): {token}", err=True)
    asyncio.run(
        run_everything(
            settings,
            host=host,
            port=port,
            market=market,
            reference=reference,
            static_dir=static_dir,
        )
    )


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except TradeAssistError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None
