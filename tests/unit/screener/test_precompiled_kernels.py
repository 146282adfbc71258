"""Kernels compiled ahead of time against the same kernels compiled by numba at run time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.screener import jit
from tradeassist.screener.alert_bytes import gather_lines
from tradeassist.screener.replay import replay_file
from tradeassist.settings import Settings

REPLAY = """
import sys
import time
from pathlib import Path
from tradeassist.screener import jit
from tradeassist.screener.replay import replay_file
from tradeassist.settings import Settings
day, ref, out = map(Path, sys.argv[1:4])
replay_file(day, reference=ref, out=out, corporate_actions=None, settings=Settings(),
            store=False, speed=0.0, progress=False)
print("precompiled" if jit.precompiled_in_use() else "numba", "numba" in sys.modules)
"""


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("sim") / "day.dbn"
    return simulate_day(SimulationSpec(symbols=120, records=150_000, seed=11), out=out)


@pytest.fixture
def precompiled() -> None:
    if not jit.precompiled_in_use():  # `make install` builds them, so CI must have them
        message = "no precompiled kernels (python -m tradeassist.screener.precompile builds them)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true requires them", pytrace=False)
        pytest.skip(message)


def _replay(day: Any, out: Path, kernels: str) -> str:
    env = {**os.environ, jit.MODE_VARIABLE: kernels}
    done = subprocess.run(
        [sys.executable, "-c", REPLAY, str(day.dbn_path), str(day.reference_path), str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.usefixtures("precompiled")
def test_precompiled_kernels_write_the_alerts_numba_writes(day: Any, tmp_path: Path) -> None:
    ahead, at_run_time = tmp_path / "ahead.jsonl", tmp_path / "jit.jsonl"

    assert _replay(day, ahead, "auto") == "precompiled False"  # numba never imported
    assert _replay(day, at_run_time, "jit") == "numba True"

    text = ahead.read_bytes()
    assert text.count(b"\n") > 100
    assert text == at_run_time.read_bytes()


@pytest.mark.usefixtures("precompiled")
def test_the_product_paths_need_no_kernel_compiled_at_run_time(day: Any, tmp_path: Path) -> None:
    jit.FALLBACKS.clear()
    replay_file(
        day.dbn_path,
        reference=day.reference_path,
        out=tmp_path / "alerts.jsonl",
        corporate_actions=None,
        settings=Settings(),
        store=False,
        speed=0.0,
        progress=False,
    )
    assert jit.FALLBACKS == []


@pytest.mark.usefixtures("precompiled")
def test_a_call_no_precompiled_variant_fits_is_compiled_by_numba() -> None:
    rng = np.random.default_rng(5)
    lengths = rng.integers(1, 40, 300)
    data = rng.integers(32, 127, int(lengths.sum())).astype(np.uint8)
    order = rng.permutation(300)
    expected = gather_lines(data, lengths, order).copy()  # int64 order: precompiled
    jit.FALLBACKS.clear()

    got = gather_lines(data, lengths, order.astype(np.int32))  # no int32 variant was built

    assert jit.FALLBACKS == ["_gather"]
    assert got.tobytes() == expected.tobytes()
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first = order[0]
    assert (
        got[: lengths[first]].tobytes()
        == data[starts[first] : starts[first] + lengths[first]].tobytes()
    )


def test_a_build_removes_only_builds_of_other_sources_left_unbuilt_for_a_month(
    tmp_path: Path,
) -> None:
    from tradeassist.screener.precompile import KEEP_DAYS, _prune

    keep, recent, stale = (tmp_path / name for name in ("keep", "recent", "stale"))
    for directory in (keep, recent, stale):
        directory.mkdir()
        (directory / "manifest.json").write_text("{}")
    old = time.time() - (KEEP_DAYS + 1) * 86_400
    os.utime(stale, (old, old))
    os.utime(keep, (old, old))  # the build just made is kept whatever its time

    _prune(keep)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep", "recent"]
