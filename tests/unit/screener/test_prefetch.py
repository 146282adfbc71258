"""The prefetch hint: compiled kernels accept it on every array shape they use, and it
changes no value; called from Python it does nothing."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from tradeassist.screener.prefetch import prefetch, prefetch_row

KERNEL = """
import numba
import numpy as np
from tradeassist.screener.prefetch import prefetch, prefetch_row

@numba.njit
def gather(table, rows, order):
    total = 0
    for i in range(order.shape[0]):
        if i + 4 < order.shape[0]:
            prefetch_row(order, i + 4)
            prefetch_row(table, order[i + 4])
            prefetch(rows, order[i + 4], 3)
        total += table[order[i]] + rows[order[i], 3]
        rows[order[i], 0] += 1
    return total

rng = np.random.default_rng(5)
table = rng.integers(0, 1000, 50_000).astype(np.int32)
rows = rng.integers(0, 1000, (50_000, 16))
order = rng.integers(0, 50_000, 200_000)
expected = int(table[order].sum() + rows[order, 3].sum())
counts = np.bincount(order, minlength=50_000)
before = rows[:, 0].copy()
print(gather(table, rows, order) == expected, bool((rows[:, 0] - before == counts).all()))
"""


def test_a_compiled_kernel_with_prefetches_computes_the_same_values() -> None:
    # In a new process: numba is imported here only for this kernel.
    done = subprocess.run(
        [sys.executable, "-c", KERNEL], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["True", "True"]


def test_from_python_a_prefetch_does_nothing() -> None:
    rows = np.arange(12).reshape(3, 4)
    assert prefetch_row(rows, 1) is None
    assert prefetch(rows, 2, 3) is None
    assert rows.tolist() == np.arange(12).reshape(3, 4).tolist()


def test_importing_the_hint_does_not_import_numba() -> None:
    code = "import sys, tradeassist.screener.prefetch; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
