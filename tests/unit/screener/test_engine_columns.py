"""The shared columns the engine hands every detector, seen through a recording plugin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from screener_builders import F_LAST, F_MAYBE_BAD_BOOK, NS, Tape, engine, et, run

from tradeassist.screener.detectors.base import BaseDetector, DetectorState, Events
from tradeassist.screener.view import NO_HIGH, NO_LOW, PHASE_PREMARKET, PHASE_REGULAR, BatchView


class Recorder(BaseDetector):
    """Keeps a copy of every view row; raises nothing."""

    name = "recorder"
    alert_types = ("recorded",)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        for r in range(len(view)):
            self.rows.append(
                {
                    name: getattr(view, name)[r].item()
                    for name in (
                        "record_index",
                        "ts_event",
                        "price",
                        "size",
                        "is_print",
                        "eligible",
                        "phase",
                        "vwap",
                        "high",
                        "low",
                        "premarket_high",
                        "day_volume",
                        "window_volume",
                        "bid",
                        "ask",
                    )
                }
            )
        return Events.empty()


def record(tape: Tape, cuts: list[int] | None = None) -> list[dict[str, Any]]:
    recorder = Recorder()
    run(engine(detectors=[recorder]), tape.array(), cuts)
    return recorder.rows


def test_rows_are_trades_with_running_figures_as_of_each_trade() -> None:
    tape = Tape().trade(et("08:00"), 1, 9.0, size=300)
    tape.quote(et("09:29"), 1, 9.9, 10.1)
    tape.trade(et("09:30"), 1, 10.0, size=100).trade(et("09:31"), 1, 11.0, size=300)
    tape.trade(et("09:32"), 1, 12.0, size=10)  # odd lot: VWAP yes, high no
    tape.trade(et("09:33"), 1, 10.5)
    rows = record(tape)
    assert [r["record_index"] for r in rows] == [0, 2, 3, 4, 5]
    assert [r["phase"] for r in rows] == [PHASE_PREMARKET] + [PHASE_REGULAR] * 4
    assert rows[0]["premarket_high"] == NO_HIGH and rows[1]["premarket_high"] == 9 * NS
    assert [r["high"] for r in rows[1:]] == [NO_HIGH, 10 * NS, 11 * NS, 11 * NS]
    assert [r["low"] for r in rows[1:]] == [NO_LOW, 10 * NS, 10 * NS, 10 * NS]
    assert np.isnan(rows[1]["vwap"])
    assert rows[2]["vwap"] == 10 * NS
    assert rows[4]["vwap"] == pytest.approx((10.0 * 100 + 11.0 * 300 + 12.0 * 10) / 410 * NS)
    assert [r["day_volume"] for r in rows] == [300, 400, 700, 710, 810]
    assert [r["is_print"] for r in rows] == [True, True, True, False, True]
    assert (rows[1]["bid"], rows[1]["ask"]) == (round(9.9e9), round(10.1e9))


def test_the_volume_window_with_records_out_of_order() -> None:
    tape = Tape().trade(et("12:00:30"), 1, 10.0, 5_000).trade(et("12:00:50"), 1, 10.0, 1_000)
    tape.trade(et("12:00:10"), 1, 10.0, 4_000)  # late but inside the window of 12:00:50
    tape.trade(et("11:59:00"), 1, 10.0, 7_000)  # older than the window: day volume only
    tape.trade(et("12:01:05"), 1, 10.0, 100)  # window 12:00:06-12:01:05
    tape.trade(et("12:01:11"), 1, 10.0, 100)  # 12:00:10 has left
    tape.trade(et("12:01:31"), 1, 10.0, 100)  # 12:00:30 has left
    tape.trade(et("12:05:00"), 1, 10.0, 100)  # all have left
    rows = record(tape)
    assert [r["window_volume"] for r in rows] == [
        5_000,
        6_000,
        10_000,
        10_000,
        10_100,
        6_200,
        1_300,
        100,
    ]
    assert rows[-1]["day_volume"] == 17_400
    one_by_one = record(tape, [1, 1, 1, 1, 1, 1])
    assert [r["window_volume"] for r in one_by_one] == [r["window_volume"] for r in rows]


def test_a_flagged_book_neither_updates_the_quote_nor_is_judged() -> None:
    tape = Tape().quote(et("10:00"), 1, 10.0, 10.02)
    tape.trade(et("10:01"), 1, 10.01, bid=5.0, ask=15.0, flags=F_LAST | F_MAYBE_BAD_BOOK)
    [row] = record(tape)
    assert (row["bid"], row["ask"]) == (10 * NS, round(10.02e9))
    assert row["eligible"]
