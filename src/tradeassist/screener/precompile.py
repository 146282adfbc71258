"""Build the screener's kernels ahead of time: ``python -m tradeassist.screener.precompile``.

``--if-missing`` returns at once when the build for these sources exists.

Runs the screener with numba at run time over a small simulated day (every
path a replay, a backtest and live screening take: bars on and off, status
records, the alert writer), so that each kernel has been compiled for every
argument type those paths pass; then has numba compile the same variants into
one extension module (``numba.pycc``) and writes it, with a manifest of each
variant's argument types, under :func:`tradeassist.screener.jit.precompiled_dir`,
in one rename. ``make install`` runs it; the kernels' sources, Python or numpy
changing makes another directory, so a stale build is never used.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # before anything imports the kernels: they must be numba's
    os.environ["TRADEASSIST_KERNELS"] = "jit"

import contextlib
import importlib
import json
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from tradeassist.screener import jit

__all__ = ["KEEP_DAYS", "build", "main"]

KEEP_DAYS = 30  # builds of other sources older than this are removed by a build


def _exercise(workdir: Path) -> None:
    """Run every kernel the way the product does, on a small simulated day."""
    from tradeassist.feeds.databento.parsing import STATUS_DTYPE
    from tradeassist.feeds.dbn_file import open_dbn
    from tradeassist.feeds.reference import load_reference
    from tradeassist.feeds.simulator import SimulationSpec, simulate_day
    from tradeassist.market_calendar import trading_calendar
    from tradeassist.screener.alert_output import AlertWriter
    from tradeassist.screener.config import ScreenerConfig
    from tradeassist.screener.engine import ScreenerEngine
    from tradeassist.screener.replay import replay_file
    from tradeassist.settings import Settings

    data = workdir / "day.dbn"
    simulate_day(SimulationSpec(symbols=60, records=60_000), data)
    reference = workdir / "day.reference.csv"
    replay_file(
        data,
        reference=reference,
        out=workdir / "alerts.jsonl",
        corporate_actions=None,
        settings=Settings(),
        store=False,
        speed=0,
        progress=False,
    )
    # Bars on (backtest, replay --store, live), status records, the alert writer.
    ref = load_reference(reference, corporate_actions=None)
    with open_dbn(data) as dbn, AlertWriter(workdir / "more.jsonl") as writer:
        engine = ScreenerEngine(
            config=ScreenerConfig(), reference=ref, calendar=trading_calendar(), bars=True
        )
        engine.set_symbols(dbn.symbols)
        first_id = next(iter(dbn.symbols))
        for batch in dbn.iter_batches(1 << 12):
            found = engine.process_sets(batch)
            status = np.zeros(2, STATUS_DTYPE)
            status["ts_event"] = status["ts_recv"] = int(batch["ts_event"][-1])
            status["instrument_id"] = first_id
            status["action"] = (8, 7)  # a halt, then trading resumes
            status["is_trading"] = (b"N", b"Y")
            found += engine.process_status_sets(status)
            writer.add(found, engine.symbols)
            engine.drain_bars()
        engine.finish()
        writer.commit()


def _arg_spec(numba_type: Any) -> list[Any] | None:
    """The manifest's description of one argument type; None if it cannot be checked."""
    from numba.core import types
    from numba.np.numpy_support import as_dtype

    if isinstance(numba_type, types.Array):
        return [
            "array",
            as_dtype(numba_type.dtype).str,
            numba_type.ndim,
            numba_type.layout,
            not numba_type.mutable,
        ]
    if isinstance(numba_type, types.Boolean):
        return ["bool"]
    if numba_type == types.int64:
        return ["int64"]
    if numba_type == types.float64:
        return ["float64"]
    return None


def _prune(keep: Path) -> None:
    """Remove builds of other sources not rebuilt for :data:`KEEP_DAYS` (another
    checkout that still wants one falls back to numba until it builds again)."""
    cutoff = time.time() - KEEP_DAYS * 86_400
    for other in keep.parent.iterdir():
        with contextlib.suppress(OSError):
            if other != keep and other.stat().st_mtime < cutoff:
                shutil.rmtree(other)


def build(quiet: bool = False) -> Path:
    """Compile every kernel ahead of time; the directory it was written to."""
    if jit.precompiled_in_use():
        raise RuntimeError("the kernels are precompiled here: build in a new process (-m)")
    pycc: Any = importlib.import_module("numba.pycc")  # untyped

    target = jit.precompiled_dir()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tradeassist-precompile-") as tmp:
        work = Path(tmp)
        _exercise(work)
        cc = pycc.CC(jit.MODULE_NAME)
        cc.output_dir = str(work / "out")
        cc.verbose = False
        cc.use_nrt = False  # as at run time (jit.py): the kernels allocate nothing
        manifest: dict[str, list[dict[str, Any]]] = {}
        for key, dispatcher in sorted(jit.kernels().items()):
            if dispatcher.targetoptions.get("inline") == "always":
                continue  # compiled into the kernels that call it
            for signature in dispatcher.signatures:
                specs = [_arg_spec(t) for t in signature]
                if any(s is None for s in specs):
                    continue  # calls of this shape fall back to numba at run time
                name = f"k{sum(len(v) for v in manifest.values())}"
                returns = dispatcher.overloads[signature].signature.return_type
                cc.export(name, returns(*signature))(dispatcher.py_func)
                manifest.setdefault(key, []).append({"name": name, "args": specs})
        with warnings.catch_warnings():  # numba.pycc says it is pending deprecation
            warnings.simplefilter("ignore")
            cc.compile()
        (built,) = (work / "out").iterdir()
        staging = work / "staging"
        staging.mkdir()
        shutil.move(str(built), staging / built.name)
        (staging / jit.MANIFEST).write_text(
            json.dumps({"file": built.name, "kernels": manifest}, indent=1)
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        partial = target.parent / f"{target.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)  # left by a build that was interrupted
        shutil.copytree(staging, partial)
        os.replace(partial, target)  # readers see the whole build or none
        _prune(target)
    if not quiet:
        count = sum(len(v) for v in manifest.values())
        seconds = time.perf_counter() - started
        sys.stderr.write(f"precompiled {count} kernel variants in {seconds:.0f} s\n")
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--if-missing" in args and (jit.precompiled_dir() / jit.MANIFEST).exists():
        return 0
    try:
        build()
    except Exception as exc:  # the kernels still run, compiled at run time instead
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        sys.stderr.write(f"precompile: cannot build the kernels ({reason}); numba compiles them\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
