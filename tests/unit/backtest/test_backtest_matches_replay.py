"""A backtest's alerts are exactly ``tradeassist replay``'s alerts on the same file."""

from __future__ import annotations

import json
from pathlib import Path

import databento_dbn as dbn
import pytest
from backtest_builders import DAY, et, trades, write_dbn
from test_backtest_intraday import GAP_DAY

from dbn_files import write_status
from tradeassist.backtest.run import run_backtest
from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.screener.replay import replay_file
from tradeassist.settings import Settings


def _both(
    tmp_path: Path, dbn: Path, reference: Path, status: Path | None = None
) -> tuple[list[str], list[str]]:
    """The JSON lines of replay and of the backtest's alerts (the contract's text)."""
    settings = Settings(data_dir=tmp_path / "data")
    replay_file(
        dbn,
        reference=reference,
        out=tmp_path / "alerts.jsonl",
        corporate_actions=None,
        settings=settings,
        store=False,
        speed=0.0,
        progress=False,
        status=status,
    )
    replayed = (tmp_path / "alerts.jsonl").read_text().splitlines()
    report = run_backtest(
        [dbn],
        reference=reference,
        out=tmp_path / "report.json",
        settings=settings,
        alerts_out=tmp_path / "graded.jsonl",
        status=() if status is None else (status,),
    )
    backtested = [json.dumps(o.alert.to_json_dict()) for o in report.outcomes]
    return replayed, backtested


@pytest.fixture(scope="module")
def simulated_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("sim")
    result = simulate_day(SimulationSpec(symbols=60, records=60_000, seed=11), out=folder / "d.dbn")
    return result.dbn_path, result.reference_path


def test_same_alerts_on_a_simulated_day(tmp_path: Path, simulated_day: tuple[Path, Path]) -> None:
    replayed, backtested = _both(tmp_path, *simulated_day)

    assert len(replayed) > 20  # planted gaps, spikes and breakouts, and the market's own
    assert backtested == replayed


def test_same_alerts_on_a_hand_made_day(tmp_path: Path) -> None:
    dbn = write_dbn(tmp_path / "day.dbn", trades(GAP_DAY), {"GAPD": 1})
    reference = tmp_path / "reference.csv"
    reference.write_text("symbol,prev_close,avg_volume\nGAPD,100.00,\n")

    replayed, backtested = _both(tmp_path, dbn, reference)

    assert [json.loads(line)["alert_type"] for line in replayed] == ["gap_down"]
    assert backtested == replayed


def test_same_alerts_with_a_status_file(tmp_path: Path, simulated_day: tuple[Path, Path]) -> None:
    dbn_path, reference = simulated_day
    symbol = json.loads(_both(tmp_path, dbn_path, reference)[0][0])["symbol"]
    pause, trading = int(dbn.StatusAction.PAUSE), int(dbn.StatusAction.TRADING)
    status = tmp_path / "status.dbn"
    write_status(
        status,
        [
            (symbol, et("10:15"), pause, int(dbn.StatusReason.LULD_PAUSE)),
            (symbol, et("10:20"), trading, 0),
        ],
        DAY,
    )

    replayed, backtested = _both(tmp_path, dbn_path, reference, status)

    kinds = [json.loads(line)["alert_type"] for line in replayed]
    assert kinds.count("trading_halt") == 1 and kinds.count("trading_resume") == 1
    assert backtested == replayed
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["by_type"]["trading_halt"]["count"] == 1
