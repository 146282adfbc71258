"""Benchmark of the trade lifecycle: many concurrent trades on the real Temporal dev server.

One command:  .venv/bin/python bench/lifecycle.py [--trades 500] [--symbols 50]

It starts the bundled dev server (a free port, state in a temporary folder)
and ``--workers`` worker processes (``python -m tradeassist.workflows.worker``,
configured like ``tradeassist worker``: the real activities, the console SMS
outbox, a temporary SQLite database unless ``--database-url``), proposes and
confirms ``--trades`` paper trades through the ``TemporalTradeDesk``, waits
until all are open, then streams ticks through a ``PriceWatcher``: a random
walk above the stops (half the trades have a 2% trailing stop, which
ratchets) and finally a drop through every stop, symbol after symbol over
``--drop-spread-s`` seconds (0: every stop at the same moment, a throughput
test). It prints the ticks fed and signals sent, the stop-to-exit latency
(crossing signal sent -> exit stored, per trade) and the stop-to-follow-up
latency (-> follow-up SMS sent), p50 and p99, and the CPU seconds used.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from tradeassist.domain.commands import OpenPositionCommand
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.migrate import upgrade
from tradeassist.store.tables import AuditLogRow, BarRow, TradeRow
from tradeassist.store.users import get_or_create_user
from tradeassist.workflows.desk import TemporalTradeDesk
from tradeassist.workflows.devserver import DevServer
from tradeassist.workflows.inputs import PriceCrossing
from tradeassist.workflows.ports import OutboxSmsSender, StaticPrices
from tradeassist.workflows.watcher import PriceWatcher, Signaller, temporal_signaller
from tradeassist.workflows.worker import OUTBOX_FILE

START_PRICE = 100.0
STOP = 97.0
Sessions = async_sessionmaker[AsyncSession]


@dataclass
class Timings:
    """Wall-clock moments (``time.time()``) of the things measured."""

    signal_sent: dict[str, float] = field(default_factory=dict)  # last signal per workflow
    phases: dict[str, float] = field(default_factory=dict)  # seconds since the start


def start_workers(
    count: int, workdir: Path, address: str, url: str
) -> list[subprocess.Popen[bytes]]:
    """Worker processes, configured like ``tradeassist worker`` (environment variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADEASSIST_", "TEMPORAL"))}
    env |= {"TEMPORAL_ADDRESS": address, "DATABASE_URL": url, "TRADEASSIST_DATA_DIR": str(workdir)}
    # Temporal's sandbox imports the workflow module afresh for every workflow;
    # without bytecode (PYTHONDONTWRITEBYTECODE) it compiles it each time, which
    # an installed package never does. Cache bytecode outside the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    log = (workdir / "workers.log").open("ab")
    command = [sys.executable, "-m", "tradeassist.workflows.worker"]
    return [
        subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
        for _ in range(count)
    ]


def follow_ups_sent(outbox: OutboxSmsSender) -> int:
    return sum(m["body"].startswith("Closed ") for m in outbox.messages())


async def follow_up_times(sessions: Sessions) -> dict[str, float]:
    """When each trade's follow-up was recorded as sent, by workflow id."""
    async with sessions() as session:
        rows = await session.execute(
            select(AuditLogRow.details, AuditLogRow.created_at).where(
                AuditLogRow.action == "sms_sent"
            )
        )
        return {
            details["key"].removesuffix(":follow_up"): created_at.timestamp()
            for details, created_at in rows
            if details["key"].endswith(":follow_up")
        }


def timed(signal: Signaller, timings: Timings) -> Signaller:
    async def send(workflow_id: str, crossing: PriceCrossing) -> None:
        timings.signal_sent[workflow_id] = time.time()  # the last one is the exit
        await signal(workflow_id, crossing)

    return send


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def wait_for(sessions: Sessions, status: str, expected: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        async with sessions() as session:
            query = select(func.count()).select_from(TradeRow).where(TradeRow.status == status)
            done = int(await session.scalar(query) or 0)
        if done >= expected:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done} of {expected} trades are {status}")
        await asyncio.sleep(0.1)


async def open_trades(
    desk: TemporalTradeDesk, args: argparse.Namespace, symbols: list[str], users: list[str]
) -> None:
    commands = [
        OpenPositionCommand(
            side="long",
            symbol=symbols[i % len(symbols)],
            quantity=10,
            stop_loss=STOP,
            trailing_stop_pct=2.0 if i % 2 else None,
        )
        for i in range(args.trades)
    ]
    owners = [users[i % len(users)] for i in range(args.trades)]
    proposed = await asyncio.gather(
        *(desk.propose(user_id=u, command=c) for u, c in zip(owners, commands, strict=True))
    )
    await asyncio.gather(
        *(
            desk.answer(user_id=u, trade_id=p.trade_id, confirmed=True)
            for u, p in zip(owners, proposed, strict=True)
        )
    )


async def stream_ticks(
    watcher: PriceWatcher,
    prices: StaticPrices,
    symbols: list[str],
    ticks_per_symbol: int,
    spread_s: float,
) -> int:
    """The random walk, then the drop over ``spread_s``; returns the ticks fed."""
    rng = random.Random(7)
    ticks = 0
    for step in range(ticks_per_symbol):
        drift = 0.0002 if step < ticks_per_symbol // 2 else -0.0001
        for symbol in symbols:
            price = prices.prices[symbol] * (1 + drift + rng.gauss(0, 0.001))
            prices.prices[symbol] = max(price, STOP + 0.5)
            await watcher.on_tick(symbol, prices.prices[symbol], ticks)
            ticks += 1
    for symbol in symbols:
        prices.prices[symbol] = STOP - 1.0
        await watcher.on_tick(symbol, STOP - 1.0, ticks)
        ticks += 1
        await asyncio.sleep(spread_s / len(symbols))
    return ticks


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="lifecycle-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{(workdir / 'bench.db').as_posix()}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    symbols = [f"S{i:03d}" for i in range(args.symbols)]
    users = [f"bench-{i}" for i in range(args.users)]
    async with sessions() as session, session.begin():
        for user in users:
            await get_or_create_user(session, user_id=user)
        for symbol in symbols:  # the workers' entry price: the bar cache's last close
            session.add(BarRow(symbol=symbol, start=datetime.now(UTC), bar={"c": START_PRICE}))
    prices = StaticPrices(dict.fromkeys(symbols, START_PRICE))
    outbox = OutboxSmsSender(workdir / OUTBOX_FILE)
    timings = Timings()
    start = time.time()
    async with DevServer(data_dir=workdir / "temporal") as server:
        workers = start_workers(args.workers, workdir, server.address, url)
        try:
            client = await Client.connect(server.address)
            desk = TemporalTradeDesk(client, sessions, prices=prices, confirm_timeout_s=3600)
            await open_trades(desk, args, symbols, users)
            timings.phases["proposed and answered"] = time.time() - start
            await wait_for(sessions, "open", args.trades, 900)
            timings.phases["all open"] = time.time() - start
            watcher = PriceWatcher(timed(temporal_signaller(client), timings))
            watcher.sync(await desk.watch_entries())
            ticks = await stream_ticks(watcher, prices, symbols, args.ticks, args.drop_spread_s)
            timings.phases["drop sent"] = time.time() - start
            await wait_for(sessions, "closed", args.trades, 900)
            while follow_ups_sent(outbox) < args.trades:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            timings.phases["all closed and followed up"] = time.time() - start
            server_cpu = psutil.Process(server.pid).cpu_times()
            worker_cpu = sum(sum(psutil.Process(w.pid).cpu_times()[:2]) for w in workers)
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=30)
        async with sessions() as session:
            rows = (await session.execute(select(TradeRow.workflow_id, TradeRow.exit_time))).all()
        sent = await follow_up_times(sessions)
    await engine.dispose()
    own_cpu = psutil.Process().cpu_times()

    exits = [
        (exit_time.timestamp() - timings.signal_sent[wid]) * 1000
        for wid, exit_time in rows
        if wid in timings.signal_sent and exit_time is not None
    ]
    follow_ups = [
        (at - timings.signal_sent[wid]) * 1000
        for wid, at in sent.items()
        if wid in timings.signal_sent
    ]
    print(
        f"trades        {args.trades} ({args.symbols} symbols, {args.users} users, "
        f"{args.workers} worker process(es))"
    )
    print("phases        " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.phases.items()))
    print(f"ticks         {ticks:,} fed, {watcher.signals_sent:,} signals sent")
    print(
        f"stop->exit    p50 {statistics.median(exits):.0f} ms, p99 {percentile(exits, 99):.0f} ms"
        f" (crossing signal sent -> exit stored)"
    )
    print(
        f"stop->SMS     p50 {statistics.median(follow_ups):.0f} ms, "
        f"p99 {percentile(follow_ups, 99):.0f} ms (-> follow-up SMS sent; "
        f"the drop spreads over {args.drop_spread_s:g} s)"
    )
    print(
        f"CPU           bench {own_cpu.user + own_cpu.system:.0f} s, "
        f"workers {worker_cpu:.0f} s, dev server {server_cpu.user + server_cpu.system:.0f} s; "
        f"database {url.split(':')[0]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=500)
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--ticks", type=int, default=200, help="ticks per symbol before the drop")
    parser.add_argument(
        "--drop-spread-s",
        type=float,
        default=10.0,
        help="seconds over which the symbols fall through their stops (0: all at once)",
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--database-url", default=None)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
