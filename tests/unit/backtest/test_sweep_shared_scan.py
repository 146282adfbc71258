"""A sweep's points that share a scan give exactly the alerts each gives alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import databento_dbn as dbn
import pytest
from backtest_builders import DAY, et

from dbn_files import write_status
from tradeassist.backtest.feed import replay_engines
from tradeassist.backtest.sweep import grid, parse_sweep
from tradeassist.feeds.reference import load_reference
from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.alert_set import AlertSet
from tradeassist.screener.bar_output import BarSet
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ordered_alerts

BASE = ScreenerConfig()


@pytest.fixture(scope="module")
def simulated_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("sim")
    result = simulate_day(SimulationSpec(symbols=60, records=60_000, seed=11), out=folder / "d.dbn")
    return result.dbn_path, result.reference_path


def _alerts(
    day: tuple[Path, Path], configs: Sequence[ScreenerConfig], status: Sequence[Path] = ()
) -> list[list[str]]:
    """Each config's alerts over one replay of the day (and status files), as JSON text."""
    data, reference = day
    found: list[list[str]] = [[] for _ in configs]

    def sink(alerts: Sequence[list[AlertSet]], bars: BarSet) -> None:
        for i, sets in enumerate(alerts):
            found[i] += [json.dumps(a.to_json_dict()) for a in ordered_alerts(sets)]

    replay_engines(
        [data],
        configs,
        sink,
        reference=load_reference(reference),
        calendar=trading_calendar(),
        status=status,
    )
    return found


def _alone(
    day: tuple[Path, Path], configs: Sequence[ScreenerConfig], status: Sequence[Path] = ()
) -> list[list[str]]:
    """Each config on its own engine, as every sweep point ran before scans were shared:
    the first with bars, the rest without (a second config never shares the first's scan)."""
    first = _alerts(day, [configs[0]], status)[0]
    return [first] + [_alerts(day, [BASE, c], status)[1] for c in configs[1:]]


def _configs(specs: list[str]) -> list[ScreenerConfig]:
    return [BASE, *(p.config for p in grid(BASE, parse_sweep(specs)))]


def test_detector_thresholds_share_one_scan(simulated_day: tuple[Path, Path]) -> None:
    configs = _configs(
        [
            "gap_levels=2/5/10/20,3/5/10/20,5/10/20",
            "volume_spike_multiple=3,8",
            "cooldown_seconds=60,300",
        ]
    )

    shared = _alerts(simulated_day, configs)

    assert shared == _alone(simulated_day, configs)
    assert len({tuple(a) for a in shared[1:]}) > 6  # the thresholds change the alerts
    assert all(len(a) > 10 for a in shared)


def test_a_scan_filter_gets_its_own_scan(simulated_day: tuple[Path, Path]) -> None:
    configs = _configs(["min_price=1,60", "gap_levels=2/5/10/20,5/10/20"])

    shared = _alerts(simulated_day, configs)

    assert shared == _alone(simulated_day, configs)
    low, high = shared[1], shared[3]  # the same gap levels, min_price 1 and 60
    assert high and len(high) < len(low)  # the filter removes some alerts, not all


def test_status_records_reach_every_point(tmp_path: Path, simulated_day: tuple[Path, Path]) -> None:
    symbol = json.loads(_alerts(simulated_day, [BASE])[0][0])["symbol"]
    status = tmp_path / "status.dbn"
    pause, trading = int(dbn.StatusAction.PAUSE), int(dbn.StatusAction.TRADING)
    write_status(
        status,
        [
            (symbol, et("10:15"), pause, int(dbn.StatusReason.LULD_PAUSE)),
            (symbol, et("10:20"), trading, 0),
        ],
        DAY,
    )
    configs = _configs(["min_price=1,60", "volume_spike_multiple=3,8"])

    shared = _alerts(simulated_day, configs, [status])

    assert shared == _alone(simulated_day, configs, [status])
    halts = [sum('"trading_halt"' in line for line in alerts) for alerts in shared]
    assert halts == [1] * len(configs)
