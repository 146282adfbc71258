"""trading_halt / trading_resume from Databento status records."""

from __future__ import annotations

import datetime as dt

import numpy as np
from screener_builders import Tape, engine, et

from tradeassist.screener.config import ScreenerConfig

STATUS = np.dtype(
    [("length", "u1"), ("rtype", "u1"), ("publisher_id", "u2"), ("instrument_id", "u4"),
     ("ts_event", "u8"), ("ts_recv", "u8"), ("action", "u2"), ("reason", "u2"),
     ("trading_event", "u2"), ("is_trading", "S1"), ("is_quoting", "S1"),
     ("is_short_sell_restricted", "S1"), ("_reserved", "S7")]
)  # fmt: skip
TRADING, HALT, PAUSE = 7, 8, 9
LULD_PAUSE, NEWS_PENDING = 50, 30


def status(*rows: tuple[int, int, int, int]) -> np.ndarray:
    """(ts_event, instrument_id, action, reason) records."""
    return np.array(
        [
            (16, 0x12, 1, iid, ts, ts, act, why, 0, b"~", b"~", b"~", b"")
            for ts, iid, act, why in rows
        ],
        dtype=STATUS,
    )


def test_halt_then_resume_with_last_price_and_quote() -> None:
    eng = engine()
    eng.process(Tape().quote(et("10:00"), 1, 9.99, 10.01).trade(et("10:00:01"), 1, 10.0).array())
    alerts = eng.process_status(
        status((et("10:01"), 1, PAUSE, LULD_PAUSE), (et("10:06"), 1, TRADING, 0))
    )
    assert [(a.alert_type, a.level, a.trigger_price) for a in alerts] == [
        ("trading_halt", "10:01", 10.0),
        ("trading_resume", "10:06", 10.0),
    ]
    assert alerts[0].conditions == {"status_action": "pause", "status_reason": "luld_pause"}
    assert alerts[0].metadata == {"bid": 9.99, "ask": 10.01, "spread": 0.02}
    assert alerts[1].idempotency_key == "AAA:trading_resume:2026-03-10:10:06"


def test_daily_open_status_and_repeated_halts_raise_nothing_new() -> None:
    eng = engine()
    alerts = eng.process_status(
        status(
            (et("09:30"), 1, TRADING, 0),  # the open: not a resumption
            (et("11:00"), 1, HALT, NEWS_PENDING),
            (et("11:01"), 1, HALT, NEWS_PENDING),  # already halted
        )
    )
    assert [a.alert_type for a in alerts] == ["trading_halt"]
    assert alerts[0].trigger_price == 0.0  # no trade seen yet
    assert alerts[0].metadata == {"bid": None, "ask": None, "spread": None}


def test_halts_bypass_the_price_filter_but_not_the_session_or_symbol_map() -> None:
    eng = engine(config=ScreenerConfig(min_price=5.0))
    eng.process(Tape().trade(et("10:00"), 1, 0.5).array())
    alerts = eng.process_status(
        status((et("10:01"), 1, HALT, 0), (et("10:02"), 99, HALT, 0), (et("21:00"), 1, TRADING, 0))
    )
    assert [(a.alert_type, a.trigger_price) for a in alerts] == [("trading_halt", 0.5)]


def test_a_new_day_forgets_the_halt() -> None:
    eng = engine()
    eng.process_status(status((et("15:00"), 1, HALT, 0)))
    alerts = eng.process_status(status((et("09:30", dt.date(2026, 3, 11)), 1, TRADING, 0)))
    assert alerts == []


def test_a_real_status_file_reads_and_its_trading_statuses_are_not_resumptions() -> None:
    from pathlib import Path

    from tradeassist.feeds.dbn_file import open_dbn

    path = Path(__file__).parents[2] / "data" / "databento" / "dbn-versions"
    eng = engine({5482: "ESH1"})
    with open_dbn(path / "test_data.status.v3.dbn.zst") as dbn:
        alerts = [a for batch in dbn.iter_status() for a in eng.process_status(batch)]
    assert alerts == []
    halted = status((et("10:00", dt.date(2020, 12, 28)), 5482, HALT, 0))
    assert [a.alert_type for a in eng.process_status(halted)] == ["trading_halt"]
