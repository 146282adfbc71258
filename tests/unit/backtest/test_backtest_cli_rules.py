"""``tradeassist backtest`` trade-rule flags: they reach the simulated trades and the report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradeassist.cli import app

SPY = Path(__file__).resolve().parents[2] / "data" / "daily" / "SPY_D.csv"


def backtest(tmp_path: Path, name: str, *flags: str) -> dict[str, Any]:
    out = tmp_path / f"{name}.json"
    result = CliRunner().invoke(
        app,
        ["backtest", str(SPY), "--daily", "--out", str(out), *flags],
        env={"TRADEASSIST_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


def pnl(doc: dict[str, Any]) -> dict[str, tuple[int, float]]:
    return {
        kind: (s["trades"]["count"], s["trades"]["total_pnl"]) for kind, s in doc["by_type"].items()
    }


def test_the_flags_set_the_rules_and_move_the_pnl_as_computed(tmp_path: Path) -> None:
    frictionless = ("--slippage-bps", "0", "--commission", "0", "--stop-pct", "0")

    base = backtest(tmp_path, "base", *frictionless, "--target-pct", "3")
    double = backtest(tmp_path, "double", *frictionless, "--target-pct", "3", "--quantity", "200")
    costly = backtest(
        tmp_path, "costly", *frictionless[:2], "--commission", "0.01", "--stop-pct", "0",
        "--target-pct", "3",
    )  # fmt: skip
    trailing = backtest(
        tmp_path, "trail", *frictionless, "--target-pct", "0", "--trailing-pct", "1"
    )

    assert base["trade_rules"] == {
        "quantity": 100,
        "stop_pct": None,
        "target_pct": 3.0,
        "trail_pct": None,
        "slippage_bps": 0.0,
        "commission_per_share": 0.0,
    }
    assert trailing["trade_rules"]["trail_pct"] == 1.0
    assert trailing["trade_rules"]["target_pct"] is None
    for kind, (trades, dollars) in pnl(base).items():
        assert trades > 0
        assert pnl(double)[kind] == (trades, pytest.approx(2 * dollars))
        # a cent a share on 100 shares, in and out: $2 a trade
        assert pnl(costly)[kind] == (trades, pytest.approx(dollars - 2.0 * trades))
    assert pnl(trailing) != pnl(base)


@pytest.mark.parametrize(
    ("flag", "value"), [("--stop-pct", "-1"), ("--commission", "nan"), ("--quantity", "0")]
)
def test_a_bad_rule_is_one_line_and_exit_status_2(tmp_path: Path, flag: str, value: str) -> None:
    command = [str(Path(sys.executable).parent / "tradeassist")]
    result = subprocess.run(
        [*command, "backtest", str(SPY), "--daily", "--out", str(tmp_path / "r.json"), flag, value],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and flag in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r.json").exists()


def test_the_scorecard_and_the_sweep_ranking_are_printed_as_tables(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        ["backtest", str(SPY), "--daily", "--out", str(out), "--sweep", "gap_levels=3/5,4/8"],
        env={"TRADEASSIST_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"},
    )

    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert "Alert scorecard (daily" in result.output
    gap_down = next(line for line in result.output.splitlines() if "gap_down" in line)
    assert f"{doc['by_type']['gap_down']['count']:,}" in gap_down
    assert "Sweep (2 points, best first)" in result.output
