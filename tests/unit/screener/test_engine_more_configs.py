"""Several configs over one engine's scan: each gives the alerts of its own engine."""

from __future__ import annotations

import dataclasses
import json

import pytest
from screener_builders import Reference, engine, random_tape

from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine, ordered_alerts

SYMBOLS = {i: f"S{i}" for i in range(1, 7)}
PREV = {s: 10.0 for s in SYMBOLS.values()}
AVG = {s: 40_000.0 for s in SYMBOLS.values()}
BASE = ScreenerConfig()
MORE = [
    dataclasses.replace(BASE, gap_levels=(2.0, 4.0, 8.0), cooldown_seconds=60),
    dataclasses.replace(BASE, volume_spike_multiple=2.0, vwap_min_minutes=3),
]


def test_each_config_gets_the_alerts_of_its_own_engine() -> None:
    tape = random_tape(5, 6_000, len(SYMBOLS), days=2)
    shared = ScreenerEngine(
        config=BASE, reference=Reference(PREV, AVG), calendar=trading_calendar(), more_configs=MORE
    )
    shared.set_symbols(SYMBOLS)
    alone = [engine(SYMBOLS, prev_close=PREV, avg_volume=AVG, config=c) for c in [BASE, *MORE]]

    found: list[list[str]] = [[], [], []]
    expected: list[list[str]] = [[], [], []]
    for lo in range(0, tape.shape[0], 1_000):
        for i, sets in enumerate(shared.process_each(tape[lo : lo + 1_000])):
            found[i] += [json.dumps(a.to_json_dict()) for a in ordered_alerts(sets)]
        for i, eng in enumerate(alone):
            expected[i] += [
                json.dumps(a.to_json_dict()) for a in eng.process(tape[lo : lo + 1_000])
            ]

    assert found == expected
    assert len({tuple(keys) for keys in found}) == 3  # the configs do differ


def test_a_config_that_reads_the_scan_differently_is_refused() -> None:
    with pytest.raises(ValueError, match="scan_key"):
        ScreenerEngine(
            config=BASE,
            reference=Reference(),
            calendar=trading_calendar(),
            more_configs=[dataclasses.replace(BASE, min_price=5.0)],
        )
