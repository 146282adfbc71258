"""The pure rules: sizing by risk, entry checks, P&L, exit levels, session closes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradeassist.errors import InputError
from tradeassist.market_calendar import trading_calendar
from tradeassist.workflows import risk
from tradeassist.workflows.levels import (
    Levels,
    effective_stop,
    exit_reason,
    from_stored,
    observe,
)
from tradeassist.workflows.market_hours import eastern_day_start, session_close_after

NS = 1_000_000_000


def _ns(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * NS  # type: ignore[misc]


def test_size_is_the_risk_over_the_distance_to_the_stop() -> None:
    size = risk.position_size(
        side="long", risk_dollars=100.0, entry=150.0, stop_loss=148.0, trailing_stop_pct=None
    )
    assert size == 50


def test_size_of_a_short_uses_the_stop_above() -> None:
    size = risk.position_size(
        side="short", risk_dollars=300.0, entry=20.0, stop_loss=20.75, trailing_stop_pct=None
    )
    assert size == 400


def test_size_uses_the_tighter_of_stop_and_trailing_stop() -> None:
    # 2% of 100 is $2 a share, tighter than the $5 to the fixed stop.
    size = risk.position_size(
        side="long", risk_dollars=100.0, entry=100.0, stop_loss=95.0, trailing_stop_pct=2.0
    )
    assert size == 50


def test_size_without_any_stop_is_refused() -> None:
    with pytest.raises(InputError, match="give a quantity"):
        risk.position_size(
            side="long", risk_dollars=100.0, entry=10.0, stop_loss=None, trailing_stop_pct=None
        )


def test_a_risk_smaller_than_one_share_is_refused() -> None:
    with pytest.raises(InputError, match="less than one share"):
        risk.position_size(
            side="long", risk_dollars=1.0, entry=500.0, stop_loss=490.0, trailing_stop_pct=None
        )


@pytest.mark.parametrize(
    ("side", "stop", "target"),
    [("long", 151.0, None), ("long", None, 149.0), ("short", 149.0, None), ("long", 148, 147)],
)
def test_levels_on_the_wrong_side_are_refused(
    side: str, stop: float | None, target: float | None
) -> None:
    with pytest.raises(InputError):
        risk.validate_levels(side=side, reference=150.0, stop_loss=stop, take_profit=target)


def test_entry_problems() -> None:
    ok = risk.entry_problem(
        side="long", price=150.0, limit_price=150.0, stop_loss=148.0, take_profit=None
    )
    above_limit = risk.entry_problem(
        side="long", price=150.1, limit_price=150.0, stop_loss=None, take_profit=None
    )
    short_below_limit = risk.entry_problem(
        side="short", price=99.0, limit_price=100.0, stop_loss=None, take_profit=None
    )
    through_stop = risk.entry_problem(
        side="long", price=147.0, limit_price=None, stop_loss=148.0, take_profit=None
    )
    assert ok is None
    assert above_limit == "the price 150.10 is above your limit 150.00"
    assert short_below_limit == "the price 99.00 is below your limit 100.00"
    assert through_stop == "the price 147.00 is already through your stop 148.00"


def test_pnl_and_daily_loss_limit() -> None:
    assert risk.pnl(side="long", entry=150.0, exit=147.9, quantity=100) == -210.0
    assert risk.pnl(side="short", entry=200.0, exit=189.5, quantity=10) == 105.0
    assert risk.daily_loss_reached(-500.0, 500.0)
    assert not risk.daily_loss_reached(-499.99, 500.0)
    assert not risk.daily_loss_reached(-10_000.0, None)


def test_trailing_stop_follows_the_best_price_of_a_long() -> None:
    levels = observe(Levels("long", 100.0, stop_loss=90.0, trailing_stop_pct=5.0), 110.0)

    assert effective_stop(levels) == pytest.approx(104.5)
    assert exit_reason(levels, 104.6) is None
    assert exit_reason(levels, 104.5) == "trailing_stop"


def test_fixed_stop_wins_when_it_is_tighter() -> None:
    levels = Levels("long", 100.0, stop_loss=97.0, trailing_stop_pct=5.0)

    assert exit_reason(levels, 96.9) == "stop_loss"


def test_a_short_trailing_stop_follows_the_low() -> None:
    levels = observe(Levels("short", 50.0, trailing_stop_pct=10.0), 40.0)

    assert effective_stop(levels) == pytest.approx(44.0)
    assert exit_reason(levels, 44.1) == "trailing_stop"
    assert exit_reason(levels, 43.9) is None


def test_session_close_on_a_normal_day_an_early_close_and_across_dst() -> None:
    calendar = trading_calendar()
    # Wednesday 2025-11-26 10:00 ET: that day's 16:00 ET close (21:00 UTC, EST).
    assert session_close_after(calendar, _ns(2025, 11, 26, 15)) == _ns(2025, 11, 26, 21)
    # Day after Thanksgiving closes at 13:00 ET.
    assert session_close_after(calendar, _ns(2025, 11, 28, 15)) == _ns(2025, 11, 28, 18)
    # Thanksgiving itself (holiday) rolls to the early close of the next day.
    assert session_close_after(calendar, _ns(2025, 11, 27, 15)) == _ns(2025, 11, 28, 18)
    # Friday after the close, before the spring-forward weekend: Monday 20:00 UTC.
    assert session_close_after(calendar, _ns(2025, 3, 7, 22)) == _ns(2025, 3, 10, 20)


def test_eastern_day_start_follows_dst() -> None:
    assert eastern_day_start(datetime(2025, 7, 1, 3, tzinfo=UTC)) == datetime(
        2025, 6, 30, 4, tzinfo=UTC
    )
    assert eastern_day_start(datetime(2025, 12, 1, 12, tzinfo=UTC)) == datetime(
        2025, 12, 1, 5, tzinfo=UTC
    )


def test_levels_rebuilt_from_a_stored_trailing_stop_recover_the_high() -> None:
    levels = from_stored(
        side="long", entry_price=100.0, stop_loss=104.5, take_profit=None, trailing_stop_pct=5.0
    )

    assert levels.extreme == pytest.approx(110.0)
    assert effective_stop(observe(levels, 120.0)) == pytest.approx(114.0)


def test_levels_rebuilt_with_a_tighter_fixed_stop_keep_the_same_stop() -> None:
    levels = from_stored(
        side="long", entry_price=100.0, stop_loss=99.0, take_profit=None, trailing_stop_pct=5.0
    )

    assert effective_stop(levels) == pytest.approx(99.0)
    assert effective_stop(observe(levels, 110.0)) == pytest.approx(104.5)
