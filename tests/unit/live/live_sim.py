"""A small simulated market day, and the alerts `tradeassist replay` raises on it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from replayed import replay_alerts
from tradeassist.domain.alerts import Alert
from tradeassist.feeds.dbn_file import open_dbn
from tradeassist.feeds.reference import load_reference
from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine


@dataclass(frozen=True)
class SimDay:
    dbn: Path
    reference: Path
    records: npt.NDArray[np.void]  # every record, in file order
    symbols: dict[int, str]
    replayed: list[dict[str, Any]]  # what `tradeassist replay` writes, one dict per alert

    def engine(self) -> ScreenerEngine:
        calendar = trading_calendar()
        ref = load_reference(self.reference, calendar=calendar)
        return ScreenerEngine(config=ScreenerConfig(), reference=ref, calendar=calendar)


def make_sim_day(out: Path) -> SimDay:
    result = simulate_day(SimulationSpec(symbols=60, records=30_000, seed=3), out=out)
    with open_dbn(result.dbn_path) as dbn_file:
        records = np.concatenate([b.copy() for b in dbn_file.iter_batches()])
        symbols = dict(dbn_file.symbols)
    replayed = replay_alerts(result.dbn_path, result.reference_path, out.with_name("replay.jsonl"))
    assert len(replayed) > 50
    return SimDay(result.dbn_path, result.reference_path, records, symbols, replayed)


def contract(alerts: list[Alert]) -> list[dict[str, Any]]:
    """Alerts as `tradeassist replay` writes them (through JSON, as a reader sees them)."""
    return [json.loads(json.dumps(a.to_json_dict())) for a in alerts]
