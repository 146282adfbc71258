"""``replay_file``: the screener over a real DBN file, alerts out as JSON lines."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import databento_dbn as dbn
import numpy as np
import pytest
from databento import DBNStore
from screener_builders import et

from dbn_files import write_status
from tradeassist.domain.alerts import parse_ns
from tradeassist.errors import DataFileError, InputError, ReferenceDataError, SchemaError
from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.screener.replay import PACED_BATCH_RECORDS, replay_file
from tradeassist.settings import Settings, load_settings

DATA = Path(__file__).parents[2] / "data" / "databento"


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A simulated 60-symbol day (zstd), with its reference and ground truth."""
    out = tmp_path_factory.mktemp("sim") / "day.dbn.zst"
    return simulate_day(SimulationSpec(symbols=60, records=60_000, seed=3), out=out)


def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", database_url=None)


def replay(day: Any, out: Path, **kw: Any) -> str:
    path = kw.pop("path", day.dbn_path)
    args: dict[str, Any] = dict(
        reference=day.reference_path,
        out=out,
        corporate_actions=None,
        settings=settings(out.parent),
        store=False,
        speed=0.0,
        progress=False,
    )
    args.update(kw)
    return replay_file(path, **args)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_planted_event_is_found_at_its_record(day: Any, tmp_path: Path) -> None:
    summary = replay(day, tmp_path / "alerts.jsonl")
    alerts = lines(tmp_path / "alerts.jsonl")
    truth = json.loads(day.truth_path.read_text())
    found = {(a["symbol"], a["alert_type"], a["trigger_time"]): a for a in alerts}
    for event in truth["events"]:
        alert = found.get((event["symbol"], event["alert_type"], event["trigger_time"]))
        assert alert is not None, event["description"]
        assert alert["trigger_price"] == event["price"]
    planted = {
        e["symbol"]
        for e in truth["events"]
        if e["alert_type"] in ("gap_up", "gap_down", "volume_spike")
    }
    strays = [
        a
        for a in alerts
        if a["alert_type"] in ("gap_up", "gap_down", "volume_spike") and a["symbol"] not in planted
    ]
    assert strays == []
    assert not any(a["symbol"] in truth["decoys"] for a in alerts)
    assert f"{len(alerts):,} alerts" in summary and "60,000 records" in summary


def test_output_is_ordered_shaped_and_identical_between_runs(day: Any, tmp_path: Path) -> None:
    replay(day, tmp_path / "a.jsonl")
    replay(day, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    alerts = lines(tmp_path / "a.jsonl")
    times = [parse_ns(a["trigger_time"]) for a in alerts]
    assert times == sorted(times)
    for alert in alerts:
        assert list(alert) == [
            "symbol",
            "alert_type",
            "trigger_price",
            "trigger_time",
            "conditions",
            "metadata",
        ]
        assert alert["trigger_time"].endswith("Z") and len(alert["trigger_time"]) == 30
        assert set(alert["metadata"]) == {"bid", "ask", "spread"}


def test_a_real_trades_file_without_quotes(tmp_path: Path) -> None:
    reference = tmp_path / "ref.csv"
    reference.write_text("symbol,prev_close,avg_volume\nQQQ,298.0,50000000\n")
    out = tmp_path / "alerts.jsonl"
    replay_file(
        DATA / "EQUS.MINI" / "test_data.trades.dbn.zst",
        reference=reference,
        out=out,
        corporate_actions=None,
        settings=settings(tmp_path),
        store=False,
        speed=0.0,
        progress=False,
    )
    [alert] = lines(out)
    assert alert == {
        "symbol": "QQQ",
        "alert_type": "gap_up",
        "trigger_price": 307.83,
        "trigger_time": "2023-03-28T11:08:14.559680187Z",
        "conditions": {"pct_move": 3.2987, "previous_close": 298.0, "level": 3.0},
        "metadata": {"bid": None, "ask": None, "spread": None},
    }


@pytest.mark.parametrize(
    ("make_path", "error"),
    [
        (lambda d, t: t / "missing.dbn", DataFileError),
        (lambda d, t: DATA / "XNAS.ITCH" / "test_data.ohlcv-1d.dbn.zst", DataFileError),
    ],
)
def test_file_errors_leave_no_output(day: Any, tmp_path: Path, make_path: Any, error: type) -> None:
    out = tmp_path / "alerts.jsonl"
    with pytest.raises(error):
        replay(day, out, path=make_path(day, tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_file_leaves_no_output(day: Any, tmp_path: Path) -> None:
    cut = tmp_path / "cut.dbn.zst"
    data = day.dbn_path.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "alerts.jsonl"
    with pytest.raises(DataFileError):
        replay(day, out, path=cut)
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["cut.dbn.zst"]


def test_reference_and_output_errors(day: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ReferenceDataError):
        replay(day, tmp_path / "a.jsonl", reference=empty)
    with pytest.raises(InputError, match="cannot write"):
        replay(day, tmp_path / "no" / "such" / "dir.jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.csv"]


def test_store_writes_alerts_and_bars_once(day: Any, tmp_path: Path) -> None:
    from tradeassist.store.migrate import upgrade

    config = settings(tmp_path)
    asyncio.run(upgrade(config.resolved_database_url))
    first = replay(day, tmp_path / "a.jsonl", store=True, settings=config)
    second = replay(day, tmp_path / "b.jsonl", store=True, settings=config)
    count = len(lines(tmp_path / "a.jsonl"))
    assert f"{count:,} new in the database" in first
    assert "0 new in the database" in second
    with sqlite3.connect(tmp_path / "data" / "tradeassist.db") as db:
        assert db.execute("SELECT count(*) FROM screener_alerts").fetchone() == (count,)
        assert db.execute("SELECT count(*) FROM market_data_cache").fetchone()[0] > 1000


def test_paced_replay_follows_the_clock(day: Any, tmp_path: Path) -> None:
    # The pace starts at the first batch's last record and ends at the file's last.
    ts = DBNStore.from_file(day.dbn_path).to_ndarray()["ts_event"]
    span_s = (int(ts[-1]) - int(ts[min(PACED_BATCH_RECORDS, len(ts)) - 1])) / 1e9
    speed = span_s / 1.0  # the whole day in about a second
    started = time.monotonic()
    replay(day, tmp_path / "paced.jsonl", speed=speed)
    assert time.monotonic() - started >= 0.8
    replay(day, tmp_path / "fast.jsonl")
    assert (tmp_path / "paced.jsonl").read_bytes() == (tmp_path / "fast.jsonl").read_bytes()


def test_a_status_file_adds_halts_and_resumptions_in_time_order(day: Any, tmp_path: Path) -> None:
    plain = tmp_path / "plain.jsonl"
    replay(day, plain)
    symbol = lines(plain)[0]["symbol"]  # a symbol that trades in the data file
    trading_day = dt.date(2026, 3, 10)
    halt_at = et("11:00:00.5", trading_day)
    resume_at = et("11:05", trading_day)
    pause, trading = int(dbn.StatusAction.PAUSE), int(dbn.StatusAction.TRADING)
    status = tmp_path / "status.dbn"
    write_status(
        status,
        [
            (symbol, et("09:30", trading_day), trading, 0),  # the open: no alert
            (symbol, halt_at, pause, int(dbn.StatusReason.LULD_PAUSE)),
            ("NOTINDATA", halt_at, pause, int(dbn.StatusReason.LULD_PAUSE)),
            (symbol, resume_at, trading, 0),
        ],
        trading_day,
    )

    with_status = tmp_path / "with_status.jsonl"
    replay(day, with_status, status=status)

    alerts, before = lines(with_status), lines(plain)
    halts = [a for a in alerts if a["alert_type"] in ("trading_halt", "trading_resume")]
    assert [(a["symbol"], a["alert_type"], parse_ns(a["trigger_time"])) for a in halts] == [
        (symbol, "trading_halt", halt_at),
        (symbol, "trading_resume", resume_at),
    ]
    assert [a for a in alerts if a not in halts] == before  # nothing else changes
    # Merged in time: the halt carries the last price print before it, not the day's last.
    records = DBNStore.from_file(day.dbn_path).to_ndarray()
    ids = {int(i["symbol"]) for i in DBNStore.from_file(day.dbn_path).symbology["mappings"][symbol]}
    prints = records[
        np.isin(records["instrument_id"], list(ids))
        & (records["action"] == b"T")
        & (records["size"] >= 100)
        & (records["ts_event"] < halt_at)
    ]
    assert halts[0]["trigger_price"] == round(int(prints["price"][-1]) / 1e9, 9)
    times = [parse_ns(a["trigger_time"]) for a in alerts]
    assert times == sorted(times)


def test_a_status_option_naming_another_schema_is_refused(day: Any, tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="status"):
        replay(day, tmp_path / "out.jsonl", status=day.dbn_path)
    assert not (tmp_path / "out.jsonl").exists()
