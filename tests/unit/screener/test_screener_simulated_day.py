"""The engine over the simulator's DBN output, read with the production reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tradeassist.domain.alerts import Alert
from tradeassist.domain.bars import Bar
from tradeassist.feeds.dbn_file import open_dbn
from tradeassist.feeds.reference import load_reference
from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.alert_output import contract_lines
from tradeassist.screener.alert_set import AlertSet, merge_sets, ordered_alerts
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("sim") / "day.dbn"
    return simulate_day(SimulationSpec(symbols=80, records=50_000, seed=5), out=out)


def screen(day: Any, batch: int) -> tuple[list[AlertSet], list[Bar], list[str]]:
    engine = ScreenerEngine(
        config=ScreenerConfig(),
        reference=load_reference(day.reference_path),
        calendar=trading_calendar(),
    )
    sets: list[AlertSet] = []
    bars: list[Bar] = []
    with open_dbn(day.dbn_path) as dbn:
        engine.set_symbols(dbn.symbols)
        for records in dbn.iter_batches(batch):
            sets += engine.process_sets(records)
            bars += engine.drain_bars().to_bars()
    return sets, bars + engine.finish().to_bars(), engine.symbols


def flat(sets: list[AlertSet]) -> list[Alert]:
    return [a for s in sets for a in s.alerts()]


def test_batch_sizes_do_not_change_alerts_or_bars(day: Any) -> None:
    sets, bars, symbols = screen(day, 65_536)
    for size in (37, 999, 4_096):
        other_sets, other_bars, other_symbols = screen(day, size)
        assert contract_lines(other_sets, other_symbols) == contract_lines(sets, symbols)
        assert sorted(flat(other_sets), key=repr) == sorted(flat(sets), key=repr)
        assert other_bars == bars


def test_merged_sets_hold_the_same_alerts_in_the_same_order(day: Any) -> None:
    sets, _, symbols = screen(day, 4_096)
    merged = merge_sets(sets)
    assert len(merged) < len(sets) // 4
    assert contract_lines(merged, symbols) == contract_lines(sets, symbols)
    assert ordered_alerts(merged) == ordered_alerts(sets)


def test_json_lines_equal_json_dumps_of_the_alerts(day: Any) -> None:
    sets, _, symbols = screen(day, 65_536)
    symbol_json = [json.dumps(s) for s in symbols]
    assert sum(len(s) for s in sets) > 50
    for alert_set in sets:
        expected = [json.dumps(a.to_json_dict()) for a in alert_set.alerts()]
        assert alert_set.json_lines(symbol_json) == expected


def test_bars_hold_every_share_traded_in_the_session(day: Any) -> None:
    _, bars, _ = screen(day, 65_536)
    session = json.loads(day.truth_path.read_text())["session"]
    with open_dbn(day.dbn_path) as dbn:
        batch = np.concatenate([b.copy() for b in dbn.iter_batches(65_536)])
    ts = batch["ts_event"].astype(np.int64)
    from tradeassist.domain.alerts import parse_ns

    inside = (ts >= parse_ns(session["premarket_open"])) & (
        ts < parse_ns(session["after_hours_close"])
    )
    trades = inside & (batch["action"] == b"T") & (batch["price"] != np.iinfo(np.int64).max)
    assert sum(b.volume for b in bars) == int(batch["size"][trades].sum())
    assert len({(b.symbol, b.start_ns) for b in bars}) == len(bars)
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)


def test_the_reader_path_copes_with_a_read_only_batch(day: Any) -> None:
    with open_dbn(day.dbn_path) as dbn:
        batch = next(dbn.iter_batches(1_000))
        assert not batch.flags.writeable
        engine = ScreenerEngine(
            config=ScreenerConfig(),
            reference=load_reference(Path(day.reference_path)),
            calendar=trading_calendar(),
        )
        engine.set_symbols(dbn.symbols)
        engine.process(batch)
