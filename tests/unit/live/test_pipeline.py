"""Feed batches through the live pipeline: replay's alerts (halts too), each with its record's
arrival."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from live_sim import SimDay, contract

from dbn_files import write_halt_and_resume
from replayed import replay_alerts
from tradeassist.domain.alerts import Alert
from tradeassist.domain.bars import Bar
from tradeassist.feeds.databento.feed_types import FeedBatch
from tradeassist.feeds.dbn_file import open_dbn
from tradeassist.feeds.status_merge import merge_status, translate_ids
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.pipeline import LivePipeline
from tradeassist.live.shards import Shard, ShardFilter
from tradeassist.live.sink import PendingAlert
from tradeassist.screener.bar_output import BarSet


class Collect:
    def __init__(self) -> None:
        self.alerts: list[PendingAlert] = []
        self.bars: list[Bar] = []

    def __call__(self, alerts: Sequence[PendingAlert], bars: BarSet) -> None:
        self.alerts.extend(alerts)
        self.bars.extend(bars.to_bars())


def run(day: SimDay, shard: Shard | None, batch: int) -> Collect:
    out = Collect()
    status = ScreenerStatus()
    pipeline = LivePipeline(day.engine(), ShardFilter(shard), out, LiveMetrics(), status)
    records = day.records
    # Arrival stamps are the record positions, so each alert can be traced to its record.
    arrivals = np.arange(records.shape[0], dtype=np.int64)
    pipeline.on_batch(FeedBatch(records[:0], arrivals[:0], day.symbols))
    for start in range(0, records.shape[0], batch):
        stop = start + batch
        pipeline.on_batch(FeedBatch(records[start:stop], arrivals[start:stop]))
    pipeline.finish()
    assert status.records == records.shape[0]
    return out


@pytest.mark.parametrize("batch", [1000, 7777])
def test_live_alerts_are_replays_alerts_in_order(sim_day: SimDay, batch: int) -> None:
    got = run(sim_day, None, batch)
    assert contract([p.alert for p in got.alerts]) == sim_day.replayed


def test_each_alert_carries_the_arrival_of_its_triggering_record(sim_day: SimDay) -> None:
    got = run(sim_day, None, 1000)
    for pending in got.alerts:
        record = sim_day.records[pending.arrival_ns]
        assert int(record["ts_event"]) == pending.alert.trigger_time_ns
        assert sim_day.symbols[int(record["instrument_id"])] == pending.alert.symbol


def test_three_shards_together_raise_exactly_the_alerts_of_one(sim_day: SimDay) -> None:
    whole = run(sim_day, None, 4096)
    parts = [run(sim_day, Shard(i, 3), 4096) for i in range(3)]
    keys = [{p.alert.idempotency_key for p in part.alerts} for part in parts]
    assert all(k for k in keys)  # every shard has work
    assert not (keys[0] & keys[1]) and not (keys[1] & keys[2]) and not (keys[0] & keys[2])

    def key(a: Alert) -> str:
        return a.idempotency_key

    merged = sorted((p.alert for part in parts for p in part.alerts), key=key)
    assert merged == sorted((p.alert for p in whole.alerts), key=key)
    bars = sorted((b.symbol, b.start_ns) for part in parts for b in part.bars)
    assert bars == sorted((b.symbol, b.start_ns) for b in whole.bars)


def test_status_records_in_batches_raise_replays_halts_in_order(
    sim_day: SimDay, tmp_path: Path
) -> None:
    status_path = tmp_path / "status.dbn"
    symbol = sim_day.replayed[0]["symbol"]
    write_halt_and_resume(status_path, sim_day.records, symbol)
    expected = replay_alerts(
        sim_day.dbn, sim_day.reference, tmp_path / "replay.jsonl", status=status_path
    )
    with open_dbn(status_path) as status_file:
        status = translate_ids(
            next(status_file.iter_status()),
            lambda _: status_file.symbols,
            lambda _: sim_day.symbols,
        )
    out = Collect()
    pipeline = LivePipeline(
        sim_day.engine(), ShardFilter(None), out, LiveMetrics(), ScreenerStatus()
    )
    records = sim_day.records
    pipeline.on_batch(FeedBatch(records[:0], np.empty(0, np.int64), sim_day.symbols))
    batches = (records[i : i + 1000] for i in range(0, records.shape[0], 1000))
    for kind, part in merge_status(batches, [status]):
        arrivals = np.zeros(part.shape[0], np.int64)
        if kind == "status":  # a batch of status records only, as the feed hands them over
            pipeline.on_batch(FeedBatch(records[:0], arrivals[:0], {}, part, arrivals))
        else:
            pipeline.on_batch(FeedBatch(part, arrivals))
    pipeline.finish()

    got = contract([p.alert for p in out.alerts])
    assert [a["alert_type"] for a in got if a["symbol"] == symbol].count("trading_halt") == 1
    assert got == expected  # same alerts, same fields, same order as replay --status
