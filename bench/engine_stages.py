"""Throughput of the screener, on a simulated 9,000-symbol day (not a test; run by hand).

    .venv/bin/python bench/engine_stages.py [--symbols 9000] [--records 10000000]

Prints records/s of: the DBN reader alone; the engine alone (``process_sets``
over batches already in memory); ``replay_file`` end to end on ``.dbn`` and
``.dbn.zst``; a plain per-record Python loop (gap + volume spike with dicts)
over the official client's iterator, on the first million records; and the
kernels' warm-up in a fresh process each: precompiled (what ``make install``
builds), and numba at run time with a cold and a warm cache. CPU time
is reported next to wall time, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import zstandard

from tradeassist.feeds.dbn_file import open_dbn
from tradeassist.feeds.reference import load_reference
from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine
from tradeassist.screener.replay import replay_file
from tradeassist.settings import load_settings

WARMUP = """
import time, numpy as np
t = time.perf_counter()
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine
from tradeassist.screener.record_words import MBP1_DTYPE
class Ref:
    def for_day(self, day):
        class D: prev_close = {"A": 10.0}; avg_volume = {"A": 1e6}
        return D()
e = ScreenerEngine(config=ScreenerConfig(), reference=Ref(), calendar=trading_calendar())
e.set_symbols({1: "A"})
r = np.zeros(2, MBP1_DTYPE); r["instrument_id"] = 1; r["action"] = b"T"; r["size"] = 100
r["ts_event"] = 1773149400_000000000; r["price"] = 11_000_000_000; r["rtype"] = 1
t1 = time.perf_counter(); e.process(r); t2 = time.perf_counter()
print(f"{t1 - t:.2f} {t2 - t1:.2f}")
"""


def timed(label: str, records: int, fn: Callable[[], object]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{label:<42} {records / wall / 1e6:6.2f} M rec/s wall  "
        f"{records / cpu / 1e6:6.2f} M rec/s cpu  ({wall:.2f} s)"
    )


def python_loop(path: Path, reference: Path, limit: int) -> int:
    """The baseline: one Python object per record, dict state, gap and volume spike only."""
    import databento as db

    prev = {}
    for line in reference.read_text().splitlines()[1:]:
        sym, close, avg = line.split(",")
        prev[sym] = (float(close), float(avg))
    store = db.DBNStore.from_file(path)
    symbols = {int(i["symbol"]): s for s, ivs in store.symbology["mappings"].items() for i in ivs}
    level: dict[str, float] = {}
    window: dict[str, list[tuple[int, int]]] = {}
    alerts = 0
    for n, rec in enumerate(store):
        if n >= limit:
            break
        if rec.action != "T" or rec.size < 100:
            continue
        sym = symbols.get(rec.instrument_id)
        if sym is None or sym not in prev:
            continue
        close, avg = prev[sym]
        pct = (rec.price / 1e9 - close) / close * 100
        if abs(pct) >= 3 and abs(pct) > level.get(sym, 0):
            level[sym] = abs(pct) // 1
            alerts += 1
        w = window.setdefault(sym, [])
        w.append((rec.ts_event, rec.size))
        while w and w[0][0] <= rec.ts_event - 60_000_000_000:
            w.pop(0)
        if sum(s for _, s in w) >= max(10_000, 5 * avg / 390):
            alerts += 1
    return alerts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--symbols", type=int, default=9_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        day = simulate_day(
            SimulationSpec(symbols=args.symbols, records=args.records), work / "d.dbn"
        )
        print(
            f"simulated {args.records:,} records, {args.symbols:,} symbols "
            f"in {time.perf_counter() - t:.1f} s"
        )
        zst = work / "d.dbn.zst"
        with day.dbn_path.open("rb") as src, zst.open("wb") as dst:
            zstandard.ZstdCompressor(level=3).copy_stream(src, dst)
        n = args.records
        for kernels in ("precompiled", "numba, cold cache", "numba, warm cache"):
            env = dict(os.environ)
            if kernels.startswith("numba"):
                env["TRADEASSIST_KERNELS"] = "jit"
            if kernels.endswith("cold cache"):
                env["NUMBA_CACHE_DIR"] = str(work / "numba-cache")
            out = subprocess.run(
                [sys.executable, "-c", WARMUP], env=env, capture_output=True, text=True, check=True
            ).stdout.split()
            print(f"warm-up, {kernels}: imports {out[0]} s, first batch {out[1]} s")

        def read_only() -> None:
            with open_dbn(day.dbn_path) as dbn:
                for _ in dbn.iter_batches(1 << 16):
                    pass

        timed("DBN reader alone (.dbn)", n, read_only)
        with open_dbn(day.dbn_path) as dbn:
            symbols = dict(dbn.symbols)
            batches = [b.copy() for b in dbn.iter_batches(1 << 16)]
        ref = load_reference(day.reference_path)

        def engine_only() -> None:
            engine = ScreenerEngine(
                config=ScreenerConfig(), reference=ref, calendar=trading_calendar(), bars=False
            )
            engine.set_symbols(symbols)
            alerts = sum(len(s) for b in batches for s in engine.process_sets(b))
            print(f"  ({alerts:,} alerts)")

        engine_only()  # warm caches and the JIT
        timed("engine alone (process_sets, in memory)", n, engine_only)
        batches.clear()  # free the copies before the end-to-end runs
        settings = load_settings(data_dir=work / "data")
        for path in (day.dbn_path, zst):

            def run(p: Path = path) -> None:
                summary = replay_file(
                    p,
                    reference=day.reference_path,
                    out=work / "a.jsonl",
                    corporate_actions=None,
                    settings=settings,
                    store=False,
                    speed=0.0,
                    progress=False,
                )
                print("  " + summary)

            timed(f"replay end to end ({path.name})", n, run)
        limit = min(n, 1_000_000)
        timed(
            "plain Python loop, official iterator",
            limit,
            lambda: python_loop(day.dbn_path, day.reference_path, limit),
        )
        print(f"numpy {np.__version__}")


if __name__ == "__main__":
    main()
