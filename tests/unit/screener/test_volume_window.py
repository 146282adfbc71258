from __future__ import annotations

import numpy as np
import pytest

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


def _random_trades(seed: int, steps: list[int], count: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    p = np.array([6.0, 6.0, 4.0] + [1.0] * (len(steps) - 3))
    second, trades = 0, []
    for _ in range(count):
        second += int(rng.choice(steps, p=p / p.sum()))
        late = int(rng.integers(0, 90)) if rng.random() < 0.1 else 0  # some out of order
        trades.append((max(second - late, 0), int(rng.integers(1, 500))))
    return trades


@pytest.mark.parametrize("width", [1, 7, 8, 9, 60, 300])
@pytest.mark.parametrize("seed", [5, 6])
def test_window_matches_its_definition_with_gaps_bursts_and_late_trades(
    width: int, seed: int
) -> None:
    # Steps of 0-3 s fill more seconds than the row keeps (the entries move to the
    # large queue); long gaps bring them back to the row.
    trades = _random_trades(seed, [0, 1, 3, 2, 59, 60, 61, 400], 4_000)
    st = np.zeros((2, S_INT_COLUMNS), np.int64)
    queue = np.zeros((2, 1 << max(width - 1, 1).bit_length()), np.int64)

    got = [window_add(st, queue, 1, s, n, width) for s, n in trades]

    assert got == _trailing_sums(trades, width)
    assert not st[0].any() and not queue[0].any()  # the other symbol's state is untouched
