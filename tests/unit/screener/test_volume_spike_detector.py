"""volume_spike: trailing window against the intraday curve, min shares, cooldown."""

from __future__ import annotations

import pytest
from screener_builders import Tape, engine, et, of_type, run

from tradeassist.domain.alerts import Alert
from tradeassist.errors import ConfigError
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.volume_curve import default_curve


def spikes(tape: Tape, avg: float | None = 2_000_000) -> list[Alert]:
    eng = engine(avg_volume={} if avg is None else {"AAA": avg})
    return of_type(run(eng, tape.array()), "volume_spike")


def test_fires_at_the_trade_that_reaches_five_times_expected() -> None:
    # 12:00 ET is minute 480 from 04:00: expected = 2M x curve share (about 3,673 shares).
    expected = 2_000_000 * default_curve()[480]
    needed = int(5 * expected // 1000) + 1  # trades of 1,000 shares
    tape = Tape().trades(et("12:00"), et("12:00:50"), 1, 50.0, needed, size=1000)
    [alert] = spikes(tape)
    assert alert.trigger_time_ns == et("12:00") + 50 * 10**9 * (needed - 1) // needed
    assert alert.level == "12:00"
    assert alert.conditions["window_volume"] == needed * 1000
    assert alert.conditions["expected_volume"] == pytest.approx(expected, abs=0.1)
    assert alert.conditions["rvol"] == pytest.approx(needed * 1000 / expected, abs=0.01)
    assert alert.idempotency_key == "AAA:volume_spike:2026-03-10:12:00"


def test_just_below_five_times_expected_does_not_fire() -> None:
    expected = 2_000_000 * default_curve()[480]
    count = int(5 * expected // 1000)
    assert spikes(Tape().trades(et("12:00"), et("12:00:50"), 1, 50.0, count, size=1000)) == []


def test_needs_the_minimum_shares_even_when_relative_volume_is_huge() -> None:
    small = Tape().trades(et("12:00"), et("12:00:30"), 1, 50.0, 99, size=100)  # 9,900 shares
    assert spikes(small, avg=200_000) == []
    enough = Tape().trades(et("12:00"), et("12:00:30"), 1, 50.0, 100, size=100)
    assert len(spikes(enough, avg=200_000)) == 1


def test_a_normal_open_is_not_a_spike_but_the_same_volume_at_midday_is() -> None:
    at_open = Tape().trades(et("09:30"), et("09:30:50"), 1, 50.0, 30, size=1000)
    at_noon = Tape().trades(et("12:00"), et("12:00:50"), 1, 50.0, 30, size=1000)
    assert spikes(at_open) == []
    assert len(spikes(at_noon)) == 1


def test_window_is_the_current_second_and_the_59_before() -> None:
    # 9,000 at 12:00:00 or 12:00:01, then 1,000 at 12:01:00: only 12:00:01 is in its window.
    outside = Tape().trade(et("12:00:00"), 1, 50.0, 9_000).trade(et("12:01:00"), 1, 50.0, 1_000)
    inside = Tape().trade(et("12:00:01"), 1, 50.0, 9_000).trade(et("12:01:00"), 1, 50.0, 1_000)
    assert spikes(outside, avg=200_000) == []
    [alert] = spikes(inside, avg=200_000)
    assert alert.trigger_time_ns == et("12:01:00")
    assert alert.conditions["window_volume"] == 10_000


def test_cooldown_five_minutes_per_symbol() -> None:
    tape = Tape()
    for clock in ("12:00", "12:03", "12:05:01", "12:06"):
        tape.trade(et(clock), 1, 50.0, 50_000)
    assert [a.level for a in spikes(tape)] == ["12:00", "12:05"]


def test_missing_average_volume_never_spikes() -> None:
    assert spikes(Tape().trade(et("12:00"), 1, 50.0, 1_000_000), avg=None) == []


def test_odd_lots_count_for_the_window_but_only_a_round_lot_triggers() -> None:
    tape = Tape().trades(et("12:00"), et("12:00:30"), 1, 50.0, 102, size=99)  # 10,098 shares
    assert spikes(tape, avg=200_000) == []
    tape.trade(et("12:00:40"), 1, 50.0, 100)
    [alert] = spikes(tape, avg=200_000)
    assert alert.conditions["window_volume"] == 10_198


def test_premarket_spike() -> None:
    [alert] = spikes(Tape().trade(et("08:00"), 1, 50.0, 20_000))
    assert alert.level == "08:00"


def test_a_longer_window_from_config_counts_every_second_in_it() -> None:
    config = ScreenerConfig(volume_spike_window_seconds=300)
    tape = Tape()
    for minute in range(5):  # 2,000 shares a minute for five minutes
        tape.trade(et(f"12:0{minute}:30"), 1, 50.0, 2_000)
    eng = engine(avg_volume={"AAA": 100_000}, config=config)
    [alert] = of_type(run(eng, tape.array()), "volume_spike")
    assert alert.conditions["window_volume"] == 10_000
    assert alert.conditions["window_seconds"] == 300


def test_a_window_longer_than_the_engine_supports_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="1 to 2048 seconds"):
        engine(config=ScreenerConfig(volume_spike_window_seconds=5_000))
