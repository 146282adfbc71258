"""Benchmark of the backtest: alerts graded per second and a 20-point sweep on a 10M-record day.

One command:  .venv/bin/python bench/backtest.py [--symbols 9000] [--records 10000000]

It writes a simulated day once with `tradeassist simulate` (uncompressed, under
--workdir, shared with bench/replay.py), warms the compiled kernels on a small
day, then in the same process measures
  (a) `run_backtest` with the default settings: the replay, the grading of every
      alert (forward returns, excursions, the simulated trade) and the report;
  (b) the same with a 20-point parameter sweep (5 gap-level sets x 4 volume-spike
      multiples), every batch decoded once; the 21 configurations share two
      scans (one with bars for the base run, one for the points) and each has
      its own detectors;
and, as the baseline, `replay_file` (what `tradeassist replay` runs: no bars, no
grading) on the same file. It prints records/s, alerts graded per second
(grading time only; a sweep counts every engine's alerts), each run's wall time
as a ratio to the replay, and the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from tradeassist.backtest.run import run_backtest
from tradeassist.screener.replay import replay_file
from tradeassist.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TRADEASSIST = str(ROOT / ".venv" / "bin" / "tradeassist")
SWEEP = [
    "gap_levels=2/5/10/20,3/5/10/20,4/6/10/20,5/10/20,7/10/20",
    "volume_spike_multiple=3,5,8,12",
]


def simulate(workdir: Path, symbols: int, records: int, day: str) -> Path:
    out = workdir / f"sim-{symbols}-{records}.dbn"
    if not out.exists():
        subprocess.run(
            [TRADEASSIST, "simulate", "--out", str(out), "--symbols", str(symbols),
             "--records", str(records), "--day", day],
            check=True,
        )  # fmt: skip
    return out


def reference_of(dbn: Path) -> Path:
    return dbn.with_name(dbn.name.removesuffix(".dbn") + ".reference.csv")


def backtest(dbn: Path, workdir: Path, sweep: list[str]) -> tuple[float, int, int, float]:
    """(wall seconds, records, alerts graded, grading seconds) of one backtest run."""
    started = time.perf_counter()
    report = run_backtest(
        [dbn],
        reference=reference_of(dbn),
        out=workdir / "report.json",
        settings=Settings(data_dir=workdir / "data"),
        sweep=sweep,
    )
    wall = time.perf_counter() - started
    graded = report.alerts + sum(r.alerts for r in report.sweep)
    return wall, report.records, graded, report.timings.get("grading", 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--symbols", type=int, default=9000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--day", default="2026-03-10")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tradeassist-bench"))
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    day = simulate(args.workdir, args.symbols, args.records, args.day)
    warm = simulate(args.workdir, 100, 50_000, args.day)
    backtest(warm, args.workdir, SWEEP[:1])  # compile the kernels outside the timings

    rows: list[tuple[str, float, int, int, float]] = []
    started = time.perf_counter()
    replay_file(day, reference=reference_of(day), out=args.workdir / "alerts.jsonl",
                corporate_actions=None, settings=Settings(data_dir=args.workdir / "data"),
                store=False, speed=0.0, progress=False)  # fmt: skip
    rows.append(("replay (baseline)", time.perf_counter() - started, args.records, 0, 0.0))
    wall, records, graded, grading = backtest(day, args.workdir, [])
    rows.append(("backtest, default settings", wall, records, graded, grading))
    if not args.skip_sweep:
        wall, records, graded, grading = backtest(day, args.workdir, SWEEP)
        rows.append(
            ("backtest + 20-point sweep (21 configs, 2 scans)", wall, records, graded, grading)
        )

    base = rows[0][1]
    print(
        f"\n{'run':48} {'wall s':>8} {'M rec/s':>8} {'alerts':>9} {'graded/s':>10} {'x replay':>8}"
    )
    for label, wall, records, graded, grading in rows:
        rate = graded / grading if grading > 0 else float("nan")
        print(
            f"{label:48} {wall:8.2f} {records / wall / 1e6:8.2f} {graded:9,d} {rate:10,.0f}"
            f" {wall / base:7.1f}x"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB", file=sys.stderr)
    print(json.dumps({"records": args.records, "symbols": args.symbols, "rows": rows}))


if __name__ == "__main__":
    main()
