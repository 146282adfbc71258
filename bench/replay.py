"""Benchmark of the replay bar (PRODUCT.md "Bars", first line).

One command:  .venv/bin/python bench/replay.py [--symbols 9000] [--records 10000000]

It writes a simulated day with `tradeassist simulate` (uncompressed and zstd),
then, in the same invocation, measures
  (a) `tradeassist replay` end to end (read + decode + every built-in detector +
      writing alerts), each run in a fresh process so its peak RSS is its own,
      `--repeat` times (3) after the file has been read once into the page cache:
      the machines here are shared and a single run can be a quarter off, so the
      figures are the median run's (and its best, in brackets);
  (b) a plain per-record Python loop with the same gap and volume-spike rules over
      the official `databento` client's record iterator, on the uncompressed file,
and prints, for each replay, two rates: the wall clock of the whole command
(process start, imports and writing the output included) and the figure the
command prints itself (from reading the reference to the output renamed into
place), each with its ratio to the plain loop, and the command's peak RSS.
With `--double` it also replays a file twice as long to show that memory
stays flat.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import databento as db

from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.volume_curve import default_curve

UNDEF_PRICE = 2**63 - 1
ROOT = Path(__file__).resolve().parent.parent
TRADEASSIST = str(ROOT / ".venv" / "bin" / "tradeassist")


def simulate(workdir: Path, symbols: int, records: int, suffix: str, day: str) -> Path:
    out = workdir / f"sim-{symbols}-{records}{suffix}"
    if not out.exists():
        subprocess.run(
            [
                TRADEASSIST,
                "simulate",
                "--out",
                str(out),
                "--symbols",
                str(symbols),
                "--records",
                str(records),
                "--day",
                day,
            ],
            check=True,
        )
    return out


def warm(path: Path) -> None:
    """Read ``path`` once, so that a run reads it from memory as the loop's runs do."""
    buf = bytearray(1 << 24)
    with path.open("rb") as src:
        while src.readinto(buf):
            pass


def reference_of(dbn: Path) -> Path:
    name = dbn.name.removesuffix(".zst").removesuffix(".dbn")
    return dbn.with_name(f"{name}.reference.csv")


def run_replay(dbn: Path, out: Path) -> tuple[float, float, int, str]:
    """Replay in a child process: (wall seconds, seconds it reports, peak RSS bytes, summary)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [TRADEASSIST, "replay", str(dbn), "--reference", str(reference_of(dbn)), "--out", str(out)],
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    assert proc.stderr is not None
    summary = proc.stderr.read().strip().splitlines()[-1] if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"replay failed: {summary}")
    seconds = _seconds_from_summary(summary) or wall
    return wall, seconds, usage.ru_maxrss * 1024, summary


def _seconds_from_summary(summary: str) -> float | None:
    """The seconds in replay's summary: "replayed N records in 3.28 s (...)"."""
    found = re.search(r" in ([0-9.]+) s ", summary)
    return float(found.group(1)) if found else None


def plain_python_loop(dbn: Path) -> tuple[int, int, float]:
    """Gap and volume-spike rules record by record over the official client's iterator.

    Returns (records, alerts, seconds). Same rules as docs/screener-rules.md for
    these two detectors: price prints of >= 100 shares, levels 3/5/10/20%,
    trailing 60 s volume at 1-second resolution vs 5x the curve's expectation and
    >= 10,000 shares, 5-minute cooldown.
    """
    store = db.DBNStore.from_file(dbn)
    ref: dict[str, tuple[float, float]] = {}
    with open(reference_of(dbn)) as fh:
        next(fh)
        for line in fh:
            sym, close, vol = line.strip().split(",")
            ref[sym] = (float(close), float(vol or 0))
    mapping = {
        int(iv["symbol"]): sym for sym, ivs in store.symbology["mappings"].items() for iv in ivs
    }
    curve = default_curve().tolist()
    cal = trading_calendar()
    levels = (3.0, 5.0, 10.0, 20.0)
    gap_fired: dict[tuple[str, int], float] = {}
    windows: dict[str, collections.deque[tuple[int, int]]] = collections.defaultdict(
        collections.deque
    )
    window_sum: dict[str, int] = collections.defaultdict(int)
    last_spike: dict[str, int] = {}
    alerts = 0
    count = 0
    session = None
    started = time.perf_counter()
    for rec in store:
        count += 1
        if session is None:
            day = cal.trading_day(rec.ts_event)
            session = cal.session(day)
            assert session is not None
        if rec.action != "T" or rec.price == UNDEF_PRICE:
            continue
        ts = rec.ts_event
        if ts < session.premarket_open_ns or ts >= session.after_hours_close_ns:
            continue
        sym = mapping.get(rec.instrument_id)
        if sym is None or sym not in ref:
            continue
        prev_close, avg_volume = ref[sym]
        price = rec.price / 1e9
        second = ts // 1_000_000_000
        win = windows[sym]
        win.append((second, rec.size))
        window_sum[sym] += rec.size
        while win and win[0][0] <= second - 60:
            window_sum[sym] -= win.popleft()[1]
        if rec.size >= 100 and price >= 1.0 and ts < session.close_ns:
            pct = (price / prev_close - 1.0) * 100.0
            sign = 1 if pct > 0 else -1
            level = 0.0
            for lv in levels:
                if abs(pct) >= lv:
                    level = lv
            if level and level > gap_fired.get((sym, sign), 0.0):
                gap_fired[(sym, sign)] = level
                alerts += 1
            minute = (ts - session.premarket_open_ns) // 60_000_000_000
            expected = avg_volume * curve[min(minute, len(curve) - 1)]
            vol = window_sum[sym]
            if (
                vol >= 10_000
                and vol >= 5.0 * expected
                and ts - last_spike.get(sym, -(10**18)) >= 300 * 1_000_000_000
            ):
                last_spike[sym] = ts
                alerts += 1
    return count, alerts, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=9000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--day", default="2026-03-10")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tradeassist-bench"))
    parser.add_argument("--double", action="store_true", help="also check RSS on a 2x file")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each replay (median)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    # What `make install` does: the kernels compiled ahead of time, so no run compiles.
    subprocess.run(
        [sys.executable, "-m", "tradeassist.screener.precompile", "--if-missing"], check=False
    )

    raw = simulate(args.workdir, args.symbols, args.records, ".dbn", args.day)
    zst = simulate(args.workdir, args.symbols, args.records, ".dbn.zst", args.day)
    runs = [("replay .dbn", raw, args.records), ("replay .dbn.zst", zst, args.records)]
    if args.double:
        big = simulate(args.workdir, args.symbols, args.records * 2, ".dbn", args.day)
        runs.append(("replay .dbn (2x records)", big, args.records * 2))
    rows: list[tuple[str, float, float, float, int]] = []  # label, rates (wall, own, best), RSS
    for label, path, records in runs:
        warm(path)
        walls, own_seconds, peak = [], [], 0
        for _ in range(max(args.repeat, 1)):
            wall, seconds, rss, summary = run_replay(path, args.workdir / "alerts.jsonl")
            walls.append(wall)
            own_seconds.append(seconds)
            peak = max(peak, rss)
            print(f"{label}: {summary} (wall clock {wall:.2f} s)", file=sys.stderr)
        rows.append(
            (
                label,
                records / statistics.median(walls),
                records / statistics.median(own_seconds),
                records / min(own_seconds),
                peak,
            )
        )
    results: dict[str, object] = {}
    base: float | None = None
    if not args.skip_baseline:
        warm(raw)
        count, alerts, seconds = plain_python_loop(raw)
        base = count / seconds
        results["baseline_alerts"] = alerts

    def ratio(rate: float) -> str:
        return f"{rate / base:8.1f}x" if base else "        -"

    own = "replay's own figure"
    print(
        f"\n{'':26} {'command, wall clock':>22} {own:>22} {'peak RSS':>9}"
        f"\n{'path':26} {'M rec/s':>10} {'x loop':>11} {'M rec/s':>10} {'x loop':>11} {'MB':>9}"
    )
    for label, wall_rate, own_rate, best_rate, rss in rows:
        print(
            f"{label:26} {wall_rate / 1e6:10.2f} {ratio(wall_rate):>11} {own_rate / 1e6:10.2f}"
            f" {ratio(own_rate):>11} {rss / 2**20:9.0f}   (best {best_rate / 1e6:.2f})"
        )
    if base:
        print(f"{'plain Python loop':26} {base / 1e6:10.2f} {'(baseline)':>11}")
    print(f"replays: the median of {max(args.repeat, 1)} runs each; in brackets the best")
    print(
        "bar: 10 M rec/s from .dbn, 4 M from .dbn.zst, 10x the loop, peak RSS < 500 MB"
        " and flat when the file doubles"
    )
    print(json.dumps({"records": args.records, "symbols": args.symbols, **results}))


if __name__ == "__main__":
    main()
