"""Parameter grids: parsing, the product of axes, ranking."""

from __future__ import annotations

import pytest

from tradeassist.backtest.sweep import SweepResult, grid, parse_sweep, rank
from tradeassist.errors import InputError
from tradeassist.screener.config import ScreenerConfig


def test_grid_is_the_product_of_the_axes() -> None:
    axes = parse_sweep(["gap_levels=2/5/10,3/5/10/20", "volume_spike_multiple=3,5,8"])

    points = grid(ScreenerConfig(cooldown_seconds=60), axes)

    assert len(points) == 6
    assert points[0].config.gap_levels == (2.0, 5.0, 10.0)
    assert points[0].config.volume_spike_multiple == 3.0
    assert points[-1].config.gap_levels == (3.0, 5.0, 10.0, 20.0)
    assert all(p.config.cooldown_seconds == 60 for p in points)  # the rest from the base
    assert points[1].label == "gap_levels=2/5/10 volume_spike_multiple=5"


def test_integer_fields_take_integers() -> None:
    assert parse_sweep(["cooldown_seconds=60,300"]) == {"cooldown_seconds": [60, 300]}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope=1", "unknown parameter"),
        ("gap_levels", "NAME=V1"),
        ("volume_spike_multiple=abc", "not a valid value"),
        ("gap_levels=5/3", "not a valid value"),
        ("cooldown_seconds=1.5", "not a valid value"),
    ],
)
def test_bad_specs_are_input_errors(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_sweep([spec])


def test_rank_by_pnl_then_hit_rate() -> None:
    points = grid(ScreenerConfig(), parse_sweep(["volume_spike_multiple=3,5,8"]))

    def result(i: int, pnl: float, hit: float | None) -> SweepResult:
        return SweepResult(points[i], {}, 10, hit, None, pnl, None)

    ranked = rank([result(0, 10.0, 0.2), result(1, 50.0, None), result(2, 10.0, 0.6)])

    assert [(r.rank, r.point.params["volume_spike_multiple"]) for r in ranked] == [
        (1, 5.0),
        (2, 8.0),
        (3, 3.0),
    ]
