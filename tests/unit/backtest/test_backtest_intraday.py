"""``run_backtest`` over real DBN files: a planted gap graded to the cent, the report files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from backtest_builders import DAY, et, trades, write_dbn

from tradeassist.backtest.run import run_backtest
from tradeassist.backtest.simulate_trades import TradeRules
from tradeassist.errors import DataFileError, InputError
from tradeassist.settings import Settings

RULES = TradeRules(stop_pct=0.5, target_pct=3.0, slippage_bps=0, commission_per_share=0.005)
# A gap down through 3% (not 5%) before the open, then a known path (prev close $100).
GAP_DAY = [
    ("09:00:10", 1, 96.50, 100),  # the trigger: -3.5%
    ("09:00:40", 1, 96.40, 100),  # the trigger minute's close
    ("09:01:30", 1, 96.20, 100),  # 1m
    ("09:03:00", 1, 96.80, 100),
    ("09:03:30", 1, 97.00, 100),  # the worst price: the stop (0.5% = 96.9825) is hit
    ("09:05:20", 1, 96.00, 100),  # 5m
    ("09:20:00", 1, 95.50, 100),  # the best price
    ("09:30:05", 1, 95.80, 100),  # 30m (the 09:30 bar) and the opening-range high
    ("09:31:00", 1, 95.20, 100),  # the session low, outside the 30-minute window
    ("15:59:30", 1, 95.40, 100),  # the close
    ("16:30:00", 1, 90.00, 100),  # after hours: not the close
]


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def _reference(tmp_path: Path) -> Path:
    path = tmp_path / "reference.csv"
    path.write_text("symbol,prev_close,avg_volume\nGAPD,100.00,\n")
    return path


def _run(tmp_path: Path, files: list[Path], **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("rules", RULES)
    kw.setdefault("alerts_out", tmp_path / "alerts.jsonl")  # keeps the Alert objects too
    return run_backtest(
        files,
        reference=_reference(tmp_path),
        out=tmp_path / "report.json",
        settings=_settings(tmp_path),
        **kw,
    )


def test_a_planted_gap_is_graded_to_the_cent(tmp_path: Path) -> None:
    dbn = write_dbn(tmp_path / "day.dbn", trades(GAP_DAY), {"GAPD": 1})

    report = _run(tmp_path, [dbn])

    [outcome] = report.outcomes
    assert (outcome.alert.alert_type, outcome.alert.level) == ("gap_down", "3")
    assert outcome.prices == {"1m": 96.20, "5m": 96.00, "30m": 95.80, "close": 95.40}
    expected = {"1m": 1 - 96.2 / 96.5, "5m": 1 - 96 / 96.5, "30m": 1 - 95.8 / 96.5,
                "close": 1 - 95.4 / 96.5}  # fmt: skip
    assert outcome.returns == pytest.approx(expected, abs=1e-12)
    assert outcome.mfe == pytest.approx(1 - 95.5 / 96.5, abs=1e-12)
    assert outcome.mae == pytest.approx(1 - 97.0 / 96.5, abs=1e-12)
    assert outcome.hit is True
    trade = outcome.trade
    assert trade is not None
    assert (trade.exit_reason, trade.exit_ns) == ("stop", et("09:03"))
    assert trade.exit_price == pytest.approx(96.9825)
    assert trade.pnl == pytest.approx(-49.25, abs=0.005)  # -48.25 and $1.00 commission


def test_report_json_has_the_contract_shape(tmp_path: Path) -> None:
    dbn = write_dbn(tmp_path / "day.dbn", trades(GAP_DAY), {"GAPD": 1})

    _run(tmp_path, [dbn], csv=tmp_path / "report.csv")

    doc = json.loads((tmp_path / "report.json").read_text())
    assert set(doc["by_type"]) == {"gap_down"}
    gap = doc["by_type"]["gap_down"]
    assert gap["count"] == 1 and gap["hit_rate"] == 1.0
    assert set(gap["mean_return"]) == {"1m", "5m", "30m", "close"}
    assert gap["mean_return"]["close"] == pytest.approx(1 - 95.4 / 96.5)
    assert gap["total_pnl"] == pytest.approx(-49.25, abs=0.005)
    assert gap["pnl_curve"] == [{"time": "2026-03-10T13:03:00.000000000Z", "pnl": -49.25}]
    assert "alerts" not in doc  # they go one per line to their own file
    [line] = (tmp_path / "alerts.jsonl").read_text().splitlines()
    graded = json.loads(line)
    assert graded["trigger_time"] == "2026-03-10T13:00:10.000000000Z"
    assert graded["conditions"]["previous_close"] == 100.0
    assert graded["returns"]["close"] == pytest.approx(1 - 95.4 / 96.5)
    assert graded["trade"]["exit_reason"] == "stop"
    rows = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert [(r["scope"], r["alert_type"], r["count"]) for r in rows] == [("all", "gap_down", "1")]


def test_several_days_are_graded_each_on_its_own_bars(tmp_path: Path) -> None:
    day2 = DAY + dt.timedelta(days=1)
    second = [("09:00:10", 7, 104.00, 100), ("10:00:00", 7, 104.50, 100),
              ("15:59:00", 7, 104.80, 100)]  # fmt: skip
    files = [
        write_dbn(tmp_path / "d1.dbn", trades(GAP_DAY), {"GAPD": 1}),
        write_dbn(tmp_path / "d2.dbn", trades(second, day2), {"GAPD": 7}, day2),
    ]

    report = _run(tmp_path, files)

    gaps = {o.alert.trading_day: o for o in report.outcomes if o.alert.alert_type[:4] == "gap_"}
    assert gaps["2026-03-10"].prices["close"] == 95.40
    up = gaps["2026-03-11"]
    assert up.alert.alert_type == "gap_up"
    assert up.prices == {"1m": 104.00, "5m": 104.00, "30m": 104.00, "close": 104.80}
    assert up.returns["close"] == pytest.approx(104.8 / 104 - 1, abs=1e-12)
    assert report.records == len(GAP_DAY) + 3
    # day 2 also breaks its pre-market high at 10:00 and makes a new high at 15:59
    assert [o.alert.alert_type for o in report.outcomes] == [
        "gap_down", "gap_up", "premarket_high_break", "new_high_of_day"]  # fmt: skip


def test_sweep_runs_every_point_on_the_same_pass(tmp_path: Path) -> None:
    dbn = write_dbn(tmp_path / "day.dbn", trades(GAP_DAY), {"GAPD": 1})

    report = _run(tmp_path, [dbn], sweep=["gap_levels=2/3,4/5,5/10"])

    by_levels = {r.point.label: r for r in report.sweep}
    # -3.5% at 96.50 crosses 2 and 3: one alert. 4% is first reached at 96.00 (09:05:20);
    # its 30-minute bar (09:35) is missing, so the 09:31 close of 95.20 stands in
    low = by_levels["gap_levels=2/3"].by_type["gap_down"]
    assert low.count == 1
    assert low.mean_return["30m"] == pytest.approx(1 - 95.8 / 96.5, abs=1e-12)
    assert by_levels["gap_levels=4/5"].alerts == 1
    assert by_levels["gap_levels=5/10"].alerts == 0
    assert by_levels["gap_levels=4/5"].by_type["gap_down"].mean_return["30m"] == pytest.approx(
        1 - 95.2 / 96.0, abs=1e-12
    )
    assert [r.rank for r in report.sweep] == [1, 2, 3]


def test_an_intraday_backtest_needs_a_reference(tmp_path: Path) -> None:
    dbn = write_dbn(tmp_path / "day.dbn", trades(GAP_DAY), {"GAPD": 1})

    with pytest.raises(InputError, match="--reference"):
        run_backtest([dbn], reference=None, out=tmp_path / "r.json", settings=_settings(tmp_path))
    assert not (tmp_path / "r.json").exists()


def test_a_file_that_is_not_dbn_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dbn"
    bad.write_text("not dbn")

    with pytest.raises(DataFileError):
        _run(tmp_path, [bad])
    assert not (tmp_path / "report.json").exists()


def test_an_unwritable_report_is_an_input_error(tmp_path: Path) -> None:
    dbn = write_dbn(tmp_path / "day.dbn", trades(GAP_DAY), {"GAPD": 1})

    with pytest.raises(InputError, match="cannot write"):
        run_backtest(
            [dbn],
            reference=_reference(tmp_path),
            out=tmp_path / "missing" / "report.json",
            settings=_settings(tmp_path),
        )
