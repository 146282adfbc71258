"""``run_backtest(..., daily=True)`` over the real daily files, with corporate actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradeassist.backtest.run import run_backtest
from tradeassist.errors import InputError
from tradeassist.settings import Settings

DAILY = Path(__file__).resolve().parents[2] / "data" / "daily"


def _run(tmp_path: Path, **kw):  # type: ignore[no-untyped-def]
    actions = tmp_path / "actions.csv"
    actions.write_text("symbol,ex_date,split_ratio\nAAPL,2014-06-09,7\n")
    return run_backtest(
        [DAILY / "SPY_D.csv", DAILY / "AAPL.csv.gz"],
        reference=None,
        out=tmp_path / "report.json",
        corporate_actions=actions,
        settings=Settings(data_dir=tmp_path / "data"),
        daily=True,
        **kw,
    )


def test_daily_report(tmp_path: Path) -> None:
    report = _run(tmp_path)

    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["mode"] == "daily"
    assert set(doc["by_type"]) == {"gap_up", "gap_down"}
    for stats in doc["by_type"].values():
        assert set(stats["mean_return"]) == {"close", "1d", "5d"}
        assert stats["count"] > 0 and 0 <= stats["hit_rate"] <= 1
    days = {(o.alert.symbol, o.alert.trading_day) for o in report.outcomes}
    assert ("SPY", "2020-03-16") in days
    assert ("AAPL", "2014-06-09") not in days
    times = [o.alert.trigger_time_ns for o in report.outcomes]
    assert times == sorted(times)


def test_daily_sweep_over_gap_levels(tmp_path: Path) -> None:
    report = _run(tmp_path, sweep=["gap_levels=3/5/10/20,5/10/20"])

    counts = {r.point.label: r.alerts for r in report.sweep}
    assert counts["gap_levels=3/5/10/20"] == report.alerts
    assert 0 < counts["gap_levels=5/10/20"] < report.alerts


def test_daily_sweep_refuses_intraday_parameters(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--daily sweeps only"):
        _run(tmp_path, sweep=["volume_spike_multiple=3,5"])
