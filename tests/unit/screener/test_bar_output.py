"""Bar columns: dollars and VWAP exactly as Python's int arithmetic gives them."""

from __future__ import annotations

import numpy as np

from tradeassist.domain.bars import Bar
from tradeassist.screener.bar_output import BarSet
from tradeassist.screener.layout import BAR_COLUMNS

_START = 1_773_149_400_000_000_000


def rows(*bars: tuple[int, int, int, int, int]) -> np.ndarray:
    """(slot, price, volume, trades, pv) per bar, all four prices equal."""
    out = np.zeros((len(bars), BAR_COLUMNS), np.int64)
    for i, (slot, price, volume, trades, pv) in enumerate(bars):
        out[i] = [slot, _START, price, price, price, price, volume, trades, pv]
    return out


def test_vwap_is_the_correctly_rounded_quotient_even_past_two_to_the_53() -> None:
    big_pv, big_volume = 50_001_234_567_891_234, 10_000_003
    bars = BarSet.of_rows(
        rows((0, 5_000_123_456_789, big_volume, 41, big_pv), (1, 12_340_000_000, 0, 0, 0)),
        ["BIG", "IDLE"],
    )

    vwap = bars.vwap()

    assert vwap[0] == big_pv / big_volume / 1e6  # Python ints: exact before rounding
    assert vwap[0] != float(big_pv) / float(big_volume) / 1e6  # what plain floats give
    assert vwap[1] == 12.34  # nothing traded: the close


def test_to_bars_gives_dollars_names_and_counts() -> None:
    bars = BarSet.of_rows(rows((1, 10_050_000_000, 300, 3, 3_015_000_000)), ["AAA", "BBB"])

    [bar] = bars.to_bars()

    assert bar == Bar("BBB", _START, 10.05, 10.05, 10.05, 10.05, 300, 3, 10.05)


def test_concat_and_part_keep_order_and_the_longest_symbol_list() -> None:
    first = BarSet.of_rows(rows((0, 1_000_000_000, 1, 1, 1_000_000)), ["AAA"])
    second = BarSet.of_rows(
        rows((1, 2_000_000_000, 1, 1, 2_000_000), (0, 3_000_000_000, 1, 1, 3_000_000)),
        ["AAA", "BBB"],
    )

    both = BarSet.concat([first, BarSet.empty(), second])

    assert [(b.symbol, b.close) for b in both.to_bars()] == [
        ("AAA", 1.0),
        ("BBB", 2.0),
        ("AAA", 3.0),
    ]
    assert [b.close for b in both.part(1, 3).to_bars()] == [2.0, 3.0]
