"""The same records give the same alerts and bars however the stream is cut."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from screener_builders import engine, random_tape

from tradeassist.domain.alerts import Alert
from tradeassist.domain.bars import Bar

N_SYMBOLS = 6
SYMBOLS = {i: f"S{i}" for i in range(1, N_SYMBOLS + 1)}
PREV = {f"S{i}": 10.0 for i in range(1, N_SYMBOLS + 1)}
AVG = {f"S{i}": 40_000.0 for i in range(1, N_SYMBOLS + 1)}


def screen(
    records: np.ndarray, cuts: list[int], ids: dict[int, str] | None = None
) -> tuple[list[Alert], list[Bar]]:
    eng = engine(ids or SYMBOLS, prev_close=PREV, avg_volume=AVG)
    alerts: list[Alert] = []
    bars: list[Bar] = []
    bounds = [0, *sorted(set(cuts)), records.shape[0]]
    for lo, hi in itertools.pairwise(bounds):
        alerts += eng.process(records[lo:hi])
        bars += eng.drain_bars().to_bars()
    return alerts, bars + eng.finish().to_bars()


TAPES = {seed: random_tape(seed, 4_000, N_SYMBOLS, days=2) for seed in range(3)}
WHOLE = {seed: screen(tape, []) for seed, tape in TAPES.items()}


def test_the_random_tapes_exercise_every_trade_detector() -> None:
    kinds = {a.alert_type for alerts, _ in WHOLE.values() for a in alerts}
    assert kinds >= {
        "gap_up",
        "gap_down",
        "volume_spike",
        "new_high_of_day",
        "new_low_of_day",
        "premarket_high_break",
        "opening_range_breakout",
        "vwap_reclaim",
        "vwap_loss",
    }
    assert {a.trading_day for alerts, _ in WHOLE.values() for a in alerts} == {
        "2026-03-10",
        "2026-03-11",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(sorted(TAPES)), cuts=st.lists(st.integers(1, 3_999), max_size=25))
def test_random_cuts_give_identical_alerts_and_bars(seed: int, cuts: list[int]) -> None:
    assert screen(TAPES[seed], cuts) == WHOLE[seed]


def test_one_record_at_a_time_gives_identical_alerts() -> None:
    tape = TAPES[0][:1_500]
    assert screen(tape, list(range(1, 1_500))) == screen(tape, [])


def test_instrument_ids_beyond_the_dense_table_give_identical_alerts() -> None:
    tape = TAPES[1].copy()
    offset = 50_000_000
    tape["instrument_id"] += offset
    ids = {i + offset: s for i, s in SYMBOLS.items()}
    assert screen(tape, [777, 2_000], ids) == WHOLE[1]
