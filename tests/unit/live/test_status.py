"""What a running screener tells ``/health/ready`` and ``/metrics``."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, generate_latest

from tradeassist.api.metrics import ApiMetrics, ScreenerProbe
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus


def test_feed_lag_is_unknown_before_the_first_record_then_the_time_since_it() -> None:
    status = ScreenerStatus()
    probe: ScreenerProbe = status
    assert probe.feed_lag_seconds() is None
    status.feed.last_record_at = time.monotonic() - 2.0
    lag = probe.feed_lag_seconds()
    assert lag is not None and 2.0 <= lag < 5.0


def test_the_api_exports_the_screener_figures_and_histograms() -> None:
    status = ScreenerStatus(records=1234, alerts_stored=7, database_ok=False)
    api = ApiMetrics(screener=status)
    live = LiveMetrics(api.registry)
    live.alerts_committed([0.004, 0.006])
    text = api.render().decode()
    assert "tradeassist_screener_records 1234.0" in text
    assert "tradeassist_screener_database_ok 0.0" in text
    assert 'tradeassist_live_alert_latency_seconds_bucket{le="0.005"} 1.0' in text
    assert "tradeassist_live_alert_latency_seconds_count 2.0" in text


def test_metrics_live_on_the_registry_given_never_the_global_one() -> None:
    registry = CollectorRegistry()
    LiveMetrics(registry).records.inc(5)
    LiveMetrics(CollectorRegistry())  # a second instance does not clash
    assert b"tradeassist_live_records_total 5.0" in generate_latest(registry)
