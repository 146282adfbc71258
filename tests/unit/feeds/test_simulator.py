"""The simulated market day: a real DBN file, its reference data and its ground truth."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import databento as db
import numpy as np
import numpy.typing as npt
import pytest
import zstandard
from typer.testing import CliRunner

from tradeassist.cli import app
from tradeassist.errors import InputError
from tradeassist.feeds.simulator import SimulationResult, SimulationSpec, simulate_day
from tradeassist.feeds.simulator.profile import DayProfile
from tradeassist.feeds.simulator.rules import SymbolDay, gap_hits, volume_spike_hits, vwap_hits
from tradeassist.market_calendar import EASTERN

NS = 1_000_000_000
SCALE = 1_000_000_000
DAY = dt.date(2026, 3, 10)
SPEC = SimulationSpec(
    symbols=120, records=100_000, day=DAY, seed=11, gap_ups=5, gap_downs=5, volume_spikes=3
)


@dataclass(frozen=True)
class Day:
    """A simulated day read back through the official client."""

    result: SimulationResult
    store: db.DBNStore
    records: npt.NDArray[Any]
    truth: dict[str, Any]
    reference: dict[str, tuple[float, int]]
    symbol_of: dict[int, str]

    def of(self, symbol: str) -> npt.NDArray[Any]:
        iid = next(i for i, s in self.symbol_of.items() if s == symbol)
        return self.records[self.records["instrument_id"] == iid]

    @property
    def planted(self) -> set[str]:
        return {s for group in self.truth["planted"].values() for s in group}

    @property
    def calm(self) -> list[str]:
        return sorted(set(self.reference) - self.planted - set(self.truth["decoys"]))


def _read(result: SimulationResult) -> Day:
    store = db.DBNStore.from_bytes(result.dbn_path.read_bytes())
    with result.reference_path.open() as fh:
        reference = {
            row["symbol"]: (float(row["prev_close"]), int(row["avg_volume"]))
            for row in csv.DictReader(fh)
        }
    mappings = store.metadata.mappings
    symbol_of = {int(iv[0]["symbol"]): sym for sym, iv in mappings.items()}
    truth = json.loads(result.truth_path.read_text())
    return Day(result, store, store.to_ndarray(), truth, reference, symbol_of)


def _symbol_day(rows: npt.NDArray[Any]) -> SymbolDay:
    return SymbolDay(
        rows["ts_event"].astype(np.int64),
        rows["ts_recv"].astype(np.int64),
        rows["price"].astype(np.int64),
        rows["size"].astype(np.int64),
        rows["action"] == b"T",
    )


@pytest.fixture(scope="module")
def profile() -> DayProfile:
    return DayProfile.for_day(DAY)


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Day:
    return _read(simulate_day(SPEC, out=tmp_path_factory.mktemp("raw") / "day.dbn"))


@pytest.fixture(scope="module")
def compressed(tmp_path_factory: pytest.TempPathFactory) -> Day:
    return _read(simulate_day(SPEC, out=tmp_path_factory.mktemp("zst") / "day.dbn.zst"))


def test_file_decodes_with_official_client_with_symbology(raw: Day) -> None:
    meta = raw.store.metadata
    assert (meta.version, str(meta.schema), meta.dataset) == (3, "mbp-1", "TRADEASSIST.SIM")
    assert (str(meta.stype_in), str(meta.stype_out)) == ("raw_symbol", "instrument_id")
    assert len(raw.records) == raw.result.records == SPEC.records
    assert sorted(raw.symbol_of.values()) == sorted(raw.reference) == sorted(meta.symbols)
    assert set(np.unique(raw.records["instrument_id"]).tolist()) == set(raw.symbol_of)
    assert raw.result.symbols == SPEC.symbols
    for interval in meta.mappings[meta.symbols[0]]:
        assert (interval["start_date"], interval["end_date"]) == (DAY, DAY + dt.timedelta(1))


def test_records_are_sorted_and_quotes_are_consistent(raw: Day, profile: DayProfile) -> None:
    r = raw.records
    recv = r["ts_recv"].astype(np.int64)
    event = r["ts_event"].astype(np.int64)
    late = recv - event > 10 * NS
    assert np.all(np.diff(recv) >= 0)
    assert np.all(np.diff(event[~late]) >= 0)
    assert 0 < late.sum() < 0.01 * len(r)
    assert np.all((recv - event)[~late] >= 10_000) and np.all((recv - event)[~late] < 100_000)
    assert event.min() >= profile.start_ns and event.max() < profile.end_ns
    assert np.all((r["length"] == 20) & (r["rtype"] == 1))
    assert np.all(r["bid_px_00"] < r["ask_px_00"])
    trades = r[r["action"] == b"T"]
    assert np.all(
        (trades["price"] >= trades["bid_px_00"]) & (trades["price"] <= trades["ask_px_00"])
    )
    assert set(np.unique(trades["side"]).tolist()) == {b"A", b"B", b"N"}
    assert set(np.unique(r["action"]).tolist()) == {b"A", b"C", b"M", b"T"}
    odd = (trades["size"] < 100).mean()
    assert 0.03 < odd < 0.2


def test_raw_and_zstd_files_hold_identical_records(raw: Day, compressed: Day) -> None:
    inflated = zstandard.ZstdDecompressor().stream_reader(compressed.result.dbn_path.read_bytes())
    assert inflated.read() == raw.result.dbn_path.read_bytes()
    assert np.array_equal(compressed.records, raw.records)


def test_same_spec_gives_identical_files_and_another_seed_does_not(
    raw: Day, tmp_path: Path
) -> None:
    again = simulate_day(SPEC, out=tmp_path / "same.dbn")
    for a, b in (
        (again.dbn_path, raw.result.dbn_path),
        (again.reference_path, raw.result.reference_path),
        (again.truth_path, raw.result.truth_path),
    ):
        assert a.read_bytes() == b.read_bytes()
    other = simulate_day(
        SimulationSpec(symbols=60, records=6_000, seed=SPEC.seed + 1), out=tmp_path / "o.dbn"
    )
    first = simulate_day(
        SimulationSpec(symbols=60, records=6_000, seed=SPEC.seed), out=tmp_path / "f.dbn"
    )
    assert other.dbn_path.read_bytes() != first.dbn_path.read_bytes()


def test_output_paths_derive_from_out(raw: Day, compressed: Day) -> None:
    assert raw.result.reference_path.name == "day.reference.csv"
    assert compressed.result.truth_path.name == "day.truth.json"
    assert compressed.result.reference_path.parent == compressed.result.dbn_path.parent


def test_reference_covers_every_symbol_with_plausible_values(raw: Day) -> None:
    assert len(raw.reference) == SPEC.symbols
    assert all(re.fullmatch(r"[A-Z]{1,5}", s) for s in raw.reference)
    closes = np.array([c for c, _ in raw.reference.values()])
    volumes = np.array([v for _, v in raw.reference.values()])
    assert closes.min() > 0 and closes.max() < 600
    assert (closes < 1).sum() == len(raw.truth["decoys"]) >= 1
    assert volumes.min() >= 50_000 and volumes.max() <= 50_000_000


def test_calm_symbols_stay_within_two_and_a_half_percent(raw: Day) -> None:
    for symbol in raw.calm:
        rows = raw.of(symbol)
        close = raw.reference[symbol][0]
        for field in ("bid_px_00", "ask_px_00", "price"):
            move = np.abs(rows[field] / SCALE / close - 1)
            assert move.max() <= 0.025, (symbol, field)


def test_calm_symbols_trade_under_twice_the_expected_volume(raw: Day, profile: DayProfile) -> None:
    for symbol in raw.calm:
        rows = raw.of(symbol)
        trades = rows[rows["action"] == b"T"]
        minute = profile.minute_of(trades["ts_event"].astype(np.int64))
        volume = np.bincount(minute, weights=trades["size"], minlength=960)
        expected = raw.reference[symbol][1] * profile.curve
        # Under 5,000 shares the spike detector (10,000-share minimum) cannot fire anyway.
        assert np.all(volume <= np.maximum(2 * expected, 5_000)), symbol


def test_calm_symbols_and_decoys_raise_no_gap_or_volume_alert(
    raw: Day, profile: DayProfile
) -> None:
    for symbol in [*raw.calm, *raw.truth["decoys"]]:
        day = _symbol_day(raw.of(symbol))
        close, avg = raw.reference[symbol]
        assert gap_hits(day, profile, round(close * SCALE)) == [], symbol
        assert volume_spike_hits(day, profile, avg) == [], symbol


def test_decoys_stay_under_a_dollar_but_would_alert_without_the_price_filter(
    raw: Day, profile: DayProfile
) -> None:
    for symbol in raw.truth["decoys"]:
        rows = raw.of(symbol)
        assert rows["ask_px_00"].max() < SCALE
        day = _symbol_day(rows)
        close, avg = raw.reference[symbol]
        assert gap_hits(day, profile, round(close * SCALE), min_price=0)
        assert volume_spike_hits(day, profile, avg, min_price=0)


def test_truth_lists_the_planted_counts_of_the_spec(raw: Day) -> None:
    planted = raw.truth["planted"]
    assert len(planted["gap_up"]) == 5 and len(planted["gap_down"]) == 5
    assert len(planted["volume_spike"]) == 3
    for kind in ("opening_range_breakout", "premarket_high_break", "vwap_reclaim", "vwap_loss"):
        assert len(planted[kind]) == 1
    types = [e["alert_type"] for e in raw.truth["events"]]
    assert types.count("volume_spike") == 3
    # Every fourth gap escalates to a second, higher level later in the day.
    assert types.count("gap_up") == 6 and types.count("gap_down") == 6
    assert raw.truth["spec"]["seed"] == SPEC.seed
    for event in raw.truth["events"]:
        assert raw.reference[event["symbol"]][0] >= 5.0


def _trigger(day: Day, event: dict[str, Any]) -> tuple[npt.NDArray[Any], int]:
    rows = day.of(event["symbol"])
    hits = np.flatnonzero(
        (rows["ts_event"] == event["ts_event"])
        & (rows["price"] == event["price_fixed"])
        & (rows["action"] == b"T")
    )
    assert len(hits) == 1, event
    return rows, int(hits[0])


def test_each_planted_gap_triggers_at_the_first_print_beyond_its_level(
    raw: Day, profile: DayProfile
) -> None:
    gaps = [e for e in raw.truth["events"] if e["alert_type"] in ("gap_up", "gap_down")]
    assert gaps
    for event in gaps:
        rows, i = _trigger(raw, event)
        close = raw.reference[event["symbol"]][0]
        sign = 1 if event["alert_type"] == "gap_up" else -1
        level = int(event["level"])
        move = sign * (rows["price"] / SCALE / close - 1) * 100
        prints = (rows["action"] == b"T") & (rows["size"] >= 100)
        session = rows["ts_event"] < profile.close_ns
        beyond = np.flatnonzero(prints & session & (move >= level))
        assert beyond[0] == i, event
        assert move[i] >= level + 0.25 and rows["size"][i] >= 100
        assert profile.start_ns <= event["ts_event"] < profile.close_ns
        assert event["price"] == pytest.approx(event["price_fixed"] / SCALE)


def test_truth_is_exactly_what_the_rules_raise_on_gap_and_spike_symbols(
    raw: Day, profile: DayProfile
) -> None:
    planted = raw.truth["planted"]
    for symbol in planted["gap_up"] + planted["gap_down"] + planted["volume_spike"]:
        close, avg = raw.reference[symbol]
        rows = raw.of(symbol)
        day = _symbol_day(rows)
        fired = gap_hits(day, profile, round(close * SCALE)) + volume_spike_hits(day, profile, avg)
        got = sorted((int(rows["ts_event"][h.index]), h.alert_type, h.level) for h in fired)
        want = sorted(
            (e["ts_event"], e["alert_type"], e["level"])
            for e in raw.truth["events"]
            if e["symbol"] == symbol
        )
        assert got == want, symbol


def _window_volume(rows: npt.NDArray[Any], k: int) -> int:
    """Shares traded up to record ``k`` in its second and the 59 before (the rule's window)."""
    sec = rows["ts_event"].astype(np.int64) // NS
    trades = np.flatnonzero(rows["action"] == b"T")
    mask = (sec[trades] >= sec[k] - 59) & (sec[trades] <= sec[k]) & (trades <= k)
    return int(rows["size"][trades[mask]].sum())


def test_volume_spike_fires_at_the_first_trade_crossing_the_threshold(
    raw: Day, profile: DayProfile
) -> None:
    spikes = [e for e in raw.truth["events"] if e["alert_type"] == "volume_spike"]
    for event in spikes:
        rows, i = _trigger(raw, event)
        avg = raw.reference[event["symbol"]][1]
        trades = np.flatnonzero(rows["action"] == b"T")
        sec = rows["ts_event"].astype(np.int64) // NS
        expected = avg * profile.curve[profile.minute_of(np.array([event["ts_event"]]))[0]]
        threshold = max(5 * expected, 10_000)
        assert _window_volume(rows, i) >= 1.3 * threshold
        before = trades[trades < i][-1]
        assert _window_volume(rows, int(before)) <= 0.7 * threshold
        minute = sec[i] // 60
        in_minute = rows["size"][trades[sec[trades] // 60 == minute]].sum()
        assert in_minute >= max(10 * expected, 20_000)
        eastern = dt.datetime.fromtimestamp(event["ts_event"] // NS, tz=EASTERN)
        assert event["level"] == eastern.strftime("%H:%M")
        assert profile.open_ns + 90 * 60 * NS <= event["ts_event"] < profile.close_ns


def test_planted_breakouts_trigger_at_their_truth_record(raw: Day, profile: DayProfile) -> None:
    breakouts = [
        e
        for e in raw.truth["events"]
        if e["alert_type"] not in ("gap_up", "gap_down", "volume_spike")
    ]
    assert {e["alert_type"] for e in breakouts} == {
        "opening_range_breakout",
        "premarket_high_break",
        "new_high_of_day",
        "new_low_of_day",
        "vwap_reclaim",
        "vwap_loss",
    }
    for event in breakouts:
        rows, i = _trigger(raw, event)
        assert profile.open_ns <= event["ts_event"] < profile.close_ns
        prints = (rows["action"] == b"T") & (rows["size"] >= 100)
        regular = prints & (rows["ts_event"] >= profile.open_ns)
        price = rows["price"].astype(np.int64)
        kind = event["alert_type"]
        if kind == "opening_range_breakout":
            split = profile.open_ns + 5 * 60 * NS
            high = price[regular & (rows["ts_event"] < split)].max()
            after = np.flatnonzero(regular & (rows["ts_event"] >= split) & (price > high))
            assert after[0] == i
        elif kind == "premarket_high_break":
            high = price[prints & (rows["ts_event"] < profile.open_ns)].max()
            assert np.flatnonzero(regular & (price > high))[0] == i
        elif kind in ("new_high_of_day", "new_low_of_day"):
            sign = 1 if kind == "new_high_of_day" else -1
            before = regular & (np.arange(len(rows)) < i)
            assert sign * price[i] > (sign * price[before]).max()
            quiet = before & (rows["ts_event"] >= event["ts_event"] - 10 * 60 * NS)
            assert (sign * price[quiet]).max() < (sign * price[before]).max()
        else:
            day = _symbol_day(rows)
            hits = vwap_hits(day, profile, reclaim=kind == "vwap_reclaim")
            assert i in [h.index for h in hits]


def test_volume_follows_the_u_shaped_curve(raw: Day, profile: DayProfile) -> None:
    trades = raw.records[raw.records["action"] == b"T"]
    minute = profile.minute_of(trades["ts_event"].astype(np.int64))
    volume = np.bincount(minute, weights=trades["size"], minlength=960)
    records = np.bincount(
        profile.minute_of(raw.records["ts_event"].astype(np.int64)), minlength=960
    )
    opening, midday, closing = (
        volume[330:340].mean(),
        volume[450:600].mean(),
        volume[710:720].mean(),
    )
    premarket = volume[:300].mean()
    assert opening > 3 * midday and closing > 1.5 * midday and premarket < 0.3 * midday
    assert records[330:340].mean() > 3 * records[450:600].mean()


def test_a_day_without_a_session_is_refused(tmp_path: Path) -> None:
    for closed in (dt.date(2026, 3, 7), dt.date(2026, 7, 3)):  # a Saturday, a holiday
        with pytest.raises(InputError, match="not a trading session"):
            simulate_day(SimulationSpec(symbols=10, records=1_000, day=closed), tmp_path / "x.dbn")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("spec", "out", "message"),
    [
        (SimulationSpec(symbols=10, records=999), "x.dbn", "at least 100 per symbol"),
        (SimulationSpec(symbols=0, records=1_000), "x.dbn", "--symbols"),
        (SimulationSpec(symbols=10, records=1_000), "x.csv", ".dbn or .dbn.zst"),
        (SimulationSpec(symbols=10, records=1_000, gap_ups=11), "x.dbn", "plant fewer"),
    ],
)
def test_unusable_specs_are_input_errors(
    spec: SimulationSpec, out: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        simulate_day(spec, tmp_path / out)


def test_early_close_day_plants_events_and_keeps_calm_symbols_quiet(tmp_path: Path) -> None:
    day = dt.date(2026, 11, 27)  # the day after Thanksgiving closes at 13:00
    result = simulate_day(SimulationSpec(symbols=60, records=30_000, day=day), tmp_path / "e.dbn")
    sim = _read(result)
    profile = DayProfile.for_day(day)
    assert sim.truth["session"]["early_close"] is True
    assert {e["alert_type"] for e in sim.truth["events"]} >= {"gap_up", "volume_spike"}
    assert all(e["ts_event"] < profile.close_ns for e in sim.truth["events"])
    for symbol in sim.calm:
        rows = _symbol_day(sim.of(symbol))
        close, avg = sim.reference[symbol]
        assert gap_hits(rows, profile, round(close * SCALE)) == []
        assert volume_spike_hits(rows, profile, avg) == []


def test_cli_simulate_writes_the_three_files(tmp_path: Path) -> None:
    out = tmp_path / "cli.dbn.zst"
    args = ["simulate", "--out", str(out), "--symbols", "50", "--records", "5000"]
    run = CliRunner().invoke(app, [*args, "--day", "2026-03-10", "--seed", "3"])
    assert run.exit_code == 0, run.output
    assert "wrote 5,000 records for 50 symbols" in run.output
    assert out.exists() and (tmp_path / "cli.reference.csv").exists()
    assert json.loads((tmp_path / "cli.truth.json").read_text())["events"]


def test_a_small_universe_plants_nothing_unless_asked(tmp_path: Path) -> None:
    quiet = _read(simulate_day(SimulationSpec(symbols=20, records=4_000), tmp_path / "q.dbn"))
    assert quiet.truth["events"] == [] and quiet.truth["decoys"] == []
    asked = SimulationSpec(symbols=20, records=4_000, gap_ups=2)
    loud = _read(simulate_day(asked, tmp_path / "l.dbn"))
    assert [e["alert_type"] for e in loud.truth["events"]] == ["gap_up", "gap_up"]
