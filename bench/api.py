"""Benchmark of the API bars (PRODUCT.md "Bars", third line).

One command:  .venv/bin/python bench/api.py [--alerts 1000000] [--rate 500] [--clients 1000]

It makes a fresh PostgreSQL database on 127.0.0.1:5432, migrates it, fills it
with ``--alerts`` alerts through COPY, starts ``tradeassist api`` in a
subprocess on a free loopback port, and from a separate process measures
  (a) ``GET /alerts?limit=100`` and a filtered query (symbol + type) at
      ``--rate`` requests/s, paced open-loop (each request has a scheduled start;
      latency counts from it, so queueing behind a slow response is not hidden);
  (b) WebSocket fan-out: ``--clients`` connections, then alerts committed one by
      one by this process (as a separate screener would); latency is from the
      commit returning to each client's receipt.
It prints p50/p99 against the bars (reads p99 < 25 ms, fan-out p99 < 250 ms),
and the server process's CPU time per request and per fanned-out alert (user +
system, from the kernel's accounting of that one pid: a cost that a noisy,
shared machine inflates far less than latency), then stops the server (by its
pid) and drops the database. Loopback only.

Shorter runs to iterate (not the bar): ``--alerts 50000 --seconds 5 --only fanout``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from tradeassist.api.tokens import mint_token
from tradeassist.domain.alerts import ALERT_TYPES

ROOT = Path(__file__).resolve().parent.parent
TRADEASSIST = str(ROOT / ".venv" / "bin" / "tradeassist")
ADMIN_URL = os.environ.get(
    "TRADEASSIST_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET = "bench-secret-" + "x" * 40
NS = 1_000_000_000
HOST = "127.0.0.1"
SYMBOLS = [f"S{i:04d}" for i in range(9000)]
READ_BAR_MS = 25.0
_ALERT_PREFIX = '{"type":"alert","data":{"id":'
FANOUT_BAR_MS = 250.0


# --- database -------------------------------------------------------------------


def _url(name: str) -> str:
    base = ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _rows(count: int, first_day: dt.date) -> Any:
    """Alerts spread over trading days, 9,000 symbols, every type; ascending trigger time."""
    rng = random.Random(7)
    per_day = 50_000
    open_ns = 13 * 3600 * NS + 30 * 60 * NS  # 09:30 EDT in UTC
    for i in range(count):
        day = first_day + dt.timedelta(days=i // per_day)
        midnight = int(dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC).timestamp()) * NS
        t_ns = midnight + open_ns + (i % per_day) * (23_400 * NS // per_day)
        symbol = SYMBOLS[rng.randrange(len(SYMBOLS))]
        kind = ALERT_TYPES[rng.randrange(len(ALERT_TYPES))]
        pct = round(rng.uniform(-20, 20), 2)
        conditions = json.dumps({"pct_move": pct, "previous_close": 50.0, "rvol": 3.2})
        metadata = json.dumps({"bid": 51.0, "ask": 51.02, "spread": 0.02})
        moment = dt.datetime.fromtimestamp(t_ns / NS, tz=dt.UTC)
        yield (
            f"{symbol}:{kind}:{day.isoformat()}:{i}",
            symbol,
            kind,
            50.0 + pct / 2,
            moment,
            t_ns,
            day,
            str(i),
            pct,
            conditions,
            metadata,
            moment,
        )


async def fill(url: str, count: int) -> float:
    """COPY ``count`` alerts into screener_alerts; seconds taken."""
    from tradeassist.store.migrate import upgrade

    await upgrade(url)
    start = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        rows = _rows(count, dt.date(2026, 2, 2))
        columns = [
            "idempotency_key", "symbol", "alert_type", "trigger_price", "trigger_time",
            "trigger_time_ns", "trading_day", "level", "pct_move", "conditions", "metadata",
            "created_at",
        ]  # fmt: skip
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 100_000:
                await conn.copy_records_to_table("screener_alerts", records=chunk, columns=columns)
                chunk = []
        if chunk:
            await conn.copy_records_to_table("screener_alerts", records=chunk, columns=columns)
        await conn.execute("ANALYZE screener_alerts")
    finally:
        await conn.close()
    return time.perf_counter() - start


async def commit_alert(conn: asyncpg.Connection, n: int) -> tuple[int, int]:
    """Insert one alert the way the store does (one autocommit statement taking the
    advisory lock in a CTE, see ``tradeassist.store.alerts``); (id, commit ns)."""
    t_ns = time.time_ns()
    moment = dt.datetime.fromtimestamp(t_ns / NS, tz=dt.UTC)
    alert_id = await conn.fetchval(
        "WITH insert_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($1))"
        " INSERT INTO screener_alerts (idempotency_key, symbol, alert_type, trigger_price,"
        " trigger_time, trigger_time_ns, trading_day, level, pct_move, conditions, metadata,"
        " created_at) SELECT $2::text, 'LIVE', 'gap_up', 10.0, $3::timestamptz, $4::int8,"
        " $5::date, $6::text, 4.0, $7::jsonb, $8::jsonb, $3::timestamptz"
        " FROM insert_lock RETURNING id",
        0x7472_6164_6561_6C01,
        f"LIVE:gap_up:{moment.date()}:{n}:{uuid.uuid4().hex[:8]}",
        moment,
        t_ns,
        moment.date(),
        str(n),
        '{"pct_move": 4.0}',
        '{"bid": null, "ask": null, "spread": null}',
    )
    return int(alert_id), time.time_ns()


# --- server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SUPABASE_JWT_SECRET": SECRET,
        "TRADEASSIST_DATA_DIR": str(data_dir),
        "TRADEASSIST_AUTO_MIGRATE": "false",
        "TRADEASSIST_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [TRADEASSIST, "api", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=data_dir
    )


async def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the API server exited during start-up")
        with contextlib.suppress(OSError):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /health/ready HTTP/1.1\r\nHost: b\r\n\r\n")
            status = await reader.readline()
            writer.close()
            if b" 200 " in status:
                return
        await asyncio.sleep(0.2)
    raise SystemExit("the API server did not become ready within 60 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


# --- load worker (a separate process) ----------------------------------------------


class Connection:
    """A keep-alive HTTP/1.1 connection: the load generator must cost far less than the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection(HOST, port))

    async def get(self, target: str, token: str) -> int:
        request = f"GET {target} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


async def read_load(port: int, rate: float, seconds: float, kind: str) -> dict[str, Any]:
    tokens = [mint_token(SECRET, user_id=str(uuid.uuid4()), ttl_seconds=3600) for _ in range(200)]
    idle: list[Connection] = []
    rng = random.Random(11)

    def target() -> str:
        if kind == "health":
            return "/health"
        if kind == "alerts":
            return "/alerts?limit=100"
        return (
            f"/alerts?limit=100&symbol={rng.choice(SYMBOLS)}&alert_type={rng.choice(ALERT_TYPES)}"
        )

    async def one(scheduled: float, out: list[float], errors: list[str]) -> None:
        outcome = "no attempt"
        for attempt in range(2):
            # A pooled connection may have been closed by the server's keep-alive timeout:
            # then the retry opens a new one (another pooled one may be just as stale).
            fresh = attempt > 0 or not idle
            try:
                conn = (
                    Connection(*await asyncio.open_connection(HOST, port)) if fresh else idle.pop()
                )
            except OSError as exc:
                outcome = type(exc).__name__
                break
            try:
                status = await conn.get(target(), rng.choice(tokens))
            except (OSError, asyncio.IncompleteReadError) as exc:
                outcome = type(exc).__name__
                conn.writer.close()
                if fresh:
                    break
                continue
            idle.append(conn)
            outcome = str(status)
            break
        if outcome != "200":
            errors.append(outcome)
            return
        out.append(time.perf_counter() - scheduled)

    async def run(duration: float, out: list[float], errors: list[str]) -> float:
        tasks = []
        start = time.perf_counter()
        total = int(duration * rate)
        for i in range(total):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(scheduled, out, errors)))
        await asyncio.gather(*tasks)
        return total / (time.perf_counter() - start)

    await run(3.0, [], [])  # warm-up: connections, user rows, caches
    print("measuring", flush=True)  # the parent starts counting the server's CPU time
    latencies: list[float] = []
    errors: list[str] = []
    achieved = await run(seconds, latencies, errors)
    for conn in idle:
        conn.writer.close()
    kinds = {str(status): errors.count(status) for status in set(errors)}
    return {"latencies": latencies, "errors": kinds, "achieved_rate": achieved}


async def fanout_clients(port: int, clients: int, expect: int) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    received: dict[int, list[int]] = {}
    sockets = []
    for _ in range(clients):
        # One user per connection, as 1,000 dashboards would be (each has its own rate limit).
        token = mint_token(SECRET, user_id=str(uuid.uuid4()), ttl_seconds=3600)
        url = f"ws://{HOST}:{port}/ws/alerts?token={token}"
        sockets.append(await connect(url, max_queue=None))
    print("ready", flush=True)  # the parent starts committing alerts now

    async def listen(ws: Any) -> None:
        got = 0
        while got < expect:
            message = await ws.recv()
            now = time.time_ns()
            # The server writes '{"type":"alert","data":{"id":N,...': read N without
            # parsing the whole message (the clients share the server's cores).
            if message.startswith(_ALERT_PREFIX):
                start = len(_ALERT_PREFIX)
                alert_id = int(message[start : message.index(",", start)])
                received.setdefault(alert_id, []).append(now)
                got += 1

    await asyncio.wait_for(asyncio.gather(*(listen(ws) for ws in sockets)), expect * 2 + 30)
    print("received", flush=True)  # the parent reads the server's CPU time now
    for ws in sockets:
        await ws.close()
    return {"received": received}


def worker(args: argparse.Namespace) -> None:
    import uvloop

    if args.worker == "reads":
        result = uvloop.run(read_load(args.port, args.rate, args.seconds, args.kind))
    else:
        result = uvloop.run(fanout_clients(args.port, args.clients, args.fanout_alerts))
    # A file, not stdout: the event loop may leave stdout non-blocking, and a large
    # write to a pipe then stops halfway.
    Path(args.out).write_text(json.dumps(result))


# --- the run -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_worker(out: Path, *argv: str) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, *argv, "--out", str(out)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def measure_reads(
    port: int, rate: float, seconds: float, kind: str, workdir: Path, server_pid: int
) -> dict[str, Any]:
    """The worker's result, plus ``cpu_ms``: server CPU per measured request (after warm-up)."""
    out = workdir / f"reads-{kind}.json"
    argv = [
        "--worker",
        "reads",
        "--port",
        str(port),
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
    ]
    proc = run_worker(out, *argv, "--kind", kind)
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "measuring":
            raise SystemExit("the read load worker failed during its warm-up")
        cpu_before = cpu_seconds(server_pid)
        proc.communicate(timeout=seconds * 4 + 60)
        cpu = cpu_seconds(server_pid) - cpu_before
    finally:
        if proc.poll() is None:
            proc.kill()
    result: dict[str, Any] = json.loads(out.read_text())
    served = len(result["latencies"]) + sum(result["errors"].values())
    result["cpu_ms"] = cpu * 1000 / max(1, served)
    return result


async def measure_fanout(
    url: str, port: int, clients: int, alerts: int, workdir: Path, server_pid: int
) -> tuple[list[float], dict[str, float]]:
    """Latencies from commit to receipt (ms), and the server's CPU cost of the fan-out."""
    out = workdir / "fanout.json"
    argv = ["--worker", "fanout", "--port", str(port), "--clients", str(clients)]
    proc = run_worker(out, *argv, "--fanout-alerts", str(alerts))
    try:
        assert proc.stdout is not None
        line = await asyncio.to_thread(proc.stdout.readline)
        if line.strip() != "ready":
            raise SystemExit("the fan-out clients did not connect")
        await asyncio.sleep(1.0)
        # The idle cost (polling the store, heartbeats) with every client connected,
        # measured first and subtracted, so what remains is the alerts' own cost.
        idle_start, idle_cpu = time.perf_counter(), cpu_seconds(server_pid)
        await asyncio.sleep(2.0)
        idle_rate = (cpu_seconds(server_pid) - idle_cpu) / (time.perf_counter() - idle_start)
        conn = await asyncpg.connect(url)
        busy_start, busy_cpu = time.perf_counter(), cpu_seconds(server_pid)
        commits: dict[int, int] = {}
        try:
            for n in range(alerts):
                alert_id, committed = await commit_alert(conn, n)
                commits[alert_id] = committed
                await asyncio.sleep(0.2)  # a busy market: five alerts a second
        finally:
            await conn.close()
        # Until every client has every alert (a loaded server may be seconds behind).
        line = await asyncio.to_thread(proc.stdout.readline)
        if line.strip() != "received":
            raise SystemExit("the fan-out clients did not receive every alert")
        busy = cpu_seconds(server_pid) - busy_cpu
        busy -= idle_rate * (time.perf_counter() - busy_start)
        await asyncio.to_thread(proc.communicate, timeout=alerts * 2 + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
    received = json.loads(out.read_text())["received"]
    latencies = []
    for alert_id, times in received.items():
        latencies += [(t - commits[int(alert_id)]) / 1e6 for t in times]
    if len(latencies) != clients * alerts:
        raise SystemExit(f"fan-out lost messages: {len(latencies)} of {clients * alerts}")
    cpu = {"per_alert_ms": busy * 1000 / alerts, "idle_ms_per_s": idle_rate * 1000}
    return latencies, cpu


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def bench(args: argparse.Namespace) -> None:
    name = f"ta_bench_api_{os.getpid()}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = _url(name)
    process = None
    try:
        print(f"load average before: {_load()} ({os.cpu_count()} cores, shared)")
        took = await fill(url, args.alerts)
        print(f"stored {args.alerts:,} alerts by COPY in {took:.1f} s")
        port = free_port()
        with tempfile.TemporaryDirectory() as data_dir:
            process = start_server(url, port, Path(data_dir))
            await wait_ready(port, process)
            baseline = 0.0
            for label, kind in (
                ("baseline GET /health", "health"),
                ("GET /alerts?limit=100", "alerts"),
                ("filtered (symbol+type)", "filtered"),
            ):
                if args.only == "fanout":
                    break
                result = await asyncio.to_thread(
                    measure_reads, port, args.rate, args.seconds, kind, Path(data_dir), process.pid
                )
                cpu_ms = result["cpu_ms"]
                ms = [x * 1000 for x in result["latencies"]]
                p99 = percentile(ms, 0.99)
                if kind == "health":
                    baseline = p99
                    verdict = "(framework and loopback floor)"
                else:
                    ok = p99 < READ_BAR_MS and not result["errors"]
                    verdict = (
                        f"{p99 / baseline:4.1f}x baseline; bar p99 < {READ_BAR_MS:.0f} ms: "
                        + ("PASS" if ok else "FAIL")
                    )
                print(
                    f"{label:24s} {len(ms):6d} req at {result['achieved_rate']:3.0f}/s: "
                    f"p50 {percentile(ms, 0.5):6.2f} ms  p99 {p99:6.2f} ms  max {max(ms):7.2f} ms  "
                    f"errors {result['errors'] or 0}  server CPU {cpu_ms:.3f} ms/req  {verdict}"
                )
            if args.only == "reads":
                stop_server(process)
                return
            fan, cpu = await measure_fanout(
                url, port, args.clients, args.fanout_alerts, Path(data_dir), process.pid
            )
            p99 = percentile(fan, 0.99)
            verdict = "PASS" if p99 < FANOUT_BAR_MS else "FAIL"
            print(
                f"{'WebSocket fan-out':24s} {args.fanout_alerts} alerts x {args.clients} clients: "
                f"p50 {percentile(fan, 0.5):6.1f} ms  p99 {p99:6.1f} ms  max {max(fan):6.1f} ms  "
                f"bar p99 < {FANOUT_BAR_MS:.0f} ms: {verdict}"
            )
            print(
                f"{'fan-out server CPU':24s} {cpu['per_alert_ms']:.2f} ms per alert "
                f"({cpu['per_alert_ms'] * 1000 / args.clients:.1f} us per client message; "
                f"idle with {args.clients} clients connected: {cpu['idle_ms_per_s']:.1f} ms/s, "
                "subtracted)"
            )
            stop_server(process)
            print(f"load average after: {_load()}")
    finally:
        if process is not None:
            stop_server(process)
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="per read measurement")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--fanout-alerts", type=int, default=40)
    parser.add_argument(
        "--only", choices=("reads", "fanout"), help="measure only the reads or only the fan-out"
    )
    parser.add_argument("--worker", choices=("reads", "fanout"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="alerts", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
