"""vwap_reclaim / vwap_loss: a cross after every print for 10 minutes was on the other side."""

from __future__ import annotations

from screener_builders import Tape, engine, et, run

from tradeassist.screener.config import ScreenerConfig


def crosses(tape: Tape, config: ScreenerConfig | None = None) -> list[tuple[str, str, float]]:
    alerts = run(engine(config=config), tape.array())
    return [
        (a.alert_type, a.level, a.trigger_price)
        for a in alerts
        if a.alert_type in ("vwap_reclaim", "vwap_loss")
    ]


def anchored() -> Tape:
    """A 10,000-share open print at $10 keeps the VWAP near $10."""
    return Tape().trade(et("09:30"), 1, 10.0, size=10_000)


def test_reclaim_after_ten_minutes_below() -> None:
    tape = anchored().trade(et("09:31"), 1, 9.9).trade(et("09:38"), 1, 9.8)
    tape.trade(et("09:41"), 1, 10.1)
    [(kind, level, price)] = crosses(tape)
    assert (kind, level, price) == ("vwap_reclaim", "09:41", 10.1)
    alert = run(engine(), tape.array())[-1]
    assert alert.conditions["minutes_on_other_side"] == 10.0
    assert 9.98 < alert.conditions["vwap"] < 10.0


def test_not_after_less_than_ten_minutes() -> None:
    tape = anchored().trade(et("09:31"), 1, 9.9).trade(et("09:40:59"), 1, 10.1)
    assert crosses(tape) == []


def test_a_print_at_the_vwap_ends_the_run() -> None:
    def tape(with_print_at_vwap: bool) -> Tape:
        t = Tape().trade(et("09:30"), 1, 10.0).trade(et("09:31"), 1, 9.0)  # VWAP now 9.50
        if with_print_at_vwap:
            t.trade(et("09:35"), 1, 9.5)  # exactly at the VWAP: ends the run below
        return t.trade(et("09:36"), 1, 9.0).trade(et("09:42"), 1, 9.9)

    assert crosses(tape(False)) == [("vwap_reclaim", "09:42", 9.9)]
    assert crosses(tape(True)) == []  # the run below only started at 09:36


def test_loss_mirrors() -> None:
    tape = anchored().trade(et("09:31"), 1, 10.1).trade(et("09:45"), 1, 9.9)
    assert crosses(tape) == [("vwap_loss", "09:45", 9.9)]


def test_odd_lot_cross_does_not_alert_nor_end_the_run() -> None:
    tape = anchored().trade(et("09:31"), 1, 9.9).trade(et("09:40"), 1, 10.2, size=10)
    tape.trade(et("09:42"), 1, 10.1)
    assert crosses(tape) == [("vwap_reclaim", "09:42", 10.1)]


def test_premarket_prints_are_not_in_the_session_vwap() -> None:
    tape = Tape().trade(et("09:00"), 1, 50.0, size=100_000)  # would drag a day VWAP up
    tape.trade(et("09:30"), 1, 10.0, size=10_000).trade(et("09:31"), 1, 9.9)
    tape.trade(et("09:42"), 1, 10.1)
    assert crosses(tape) == [("vwap_reclaim", "09:42", 10.1)]


def test_cooldown_applies_per_type() -> None:
    config = ScreenerConfig(vwap_min_minutes=1)
    tape = anchored()
    for clock, price in [("09:31", 9.9), ("09:33", 10.1), ("09:35", 9.9), ("09:37", 10.1),
                         ("09:39", 9.9), ("09:41", 10.1)]:  # fmt: skip
        tape.trade(et(clock), 1, price)
    assert crosses(tape, config) == [
        ("vwap_reclaim", "09:33", 10.1),
        ("vwap_loss", "09:35", 9.9),
        ("vwap_reclaim", "09:41", 10.1),
    ]
