from __future__ import annotations

import numpy as np

from tradeassist.screener.layout import S_INT_COLUMNS
from tradeassist.screener.window import window_add


def _trailing_sums(trades: list[tuple[int, int]], width: int) -> list[int]:
    """The definition, by brute force: shares of the newest second seen and the width-1 before."""
    kept: list[tuple[int, int]] = []
    newest = None
    out = []
    for second, size in trades:
        newest = second if newest is None else max(newest, second)
        if second > newest - width:
            kept.append((second, size))
        out.append(sum(n for s, n in kept if s > newest - width))
    return out


def test_window_matches_its_definition_with_gaps_bursts_and_late_trades() -> None:
    rng = np.random.default_rng(5)
    width = 60
    second, trades = 0, []
    for _ in range(4_000):
        step = rng.choice([0, 1, 3, 59, 60, 61, 400], p=[0.3, 0.3, 0.2, 0.05, 0.05, 0.05, 0.05])
        second += int(step)
        late = int(rng.integers(0, 90)) if rng.random() < 0.1 else 0  # some out of order
        trades.append((max(second - late, 0), int(rng.integers(1, 500))))
    st = np.zeros((1, S_INT_COLUMNS), np.int64)
    queue = np.zeros((1, 64, 2), np.int32)

    got = [window_add(st, queue, 0, s, n, width) for s, n in trades]

    assert got == _trailing_sums(trades, width)
