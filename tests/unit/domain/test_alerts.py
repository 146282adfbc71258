from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradeassist.domain.alerts import Alert, format_ns, parse_ns


def test_format_ns_keeps_nanoseconds_and_z() -> None:
    ts = 1_773_149_400_123_456_789  # 2026-03-10T13:30:00.123456789Z

    assert format_ns(ts) == "2026-03-10T13:30:00.123456789Z"


@given(st.integers(min_value=0, max_value=4_102_444_800 * 10**9))
def test_parse_ns_inverts_format_ns(ts: int) -> None:
    assert parse_ns(format_ns(ts)) == ts


def test_alert_json_shape_and_key() -> None:
    alert = Alert(
        symbol="AAPL",
        alert_type="gap_up",
        trigger_price=150.25,
        trigger_time_ns=1_773_149_400_000_000_001,
        trading_day="2026-03-10",
        level="3",
        conditions={"pct_move": 3.62, "previous_close": 145.0},
        metadata={"bid": 150.2, "ask": 150.3, "spread": 0.1},
    )

    data = alert.to_json_dict()

    assert list(data) == [
        "symbol",
        "alert_type",
        "trigger_price",
        "trigger_time",
        "conditions",
        "metadata",
    ]
    assert data["trigger_time"] == "2026-03-10T13:30:00.000000001Z"
    assert alert.idempotency_key == "AAPL:gap_up:2026-03-10:3"
