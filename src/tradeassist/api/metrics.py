"""Prometheus figures of one app, in a registry of its own (never the global one).

Request latency in seconds by method, route template and status class;
WebSocket and SSE clients connected; alerts delivered to streams; alerts
stored (read from the database at scrape time); and the screener's own figures
when it runs in this process (``ScreenerProbe.metrics()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["ApiMetrics", "ScreenerProbe"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ScreenerProbe(Protocol):
    """What an in-process screener tells the API about itself."""

    def feed_lag_seconds(self) -> float | None:
        """Seconds since the feed last delivered a record; None before the first one."""
        ...

    def metrics(self) -> Mapping[str, float]:
        """Named figures (records seen, alerts raised ...), exported as gauges."""
        ...


class _ScreenerCollector(Collector):
    def __init__(self, probe: Callable[[], Mapping[str, float]]) -> None:
        self._probe = probe

    def collect(self) -> Iterable[Metric]:
        for name, value in sorted(self._probe().items()):
            clean = "".join(ch if ch.isalnum() else "_" for ch in name)
            yield GaugeMetricFamily(f"tradeassist_screener_{clean}", f"screener {name}", value)


class ApiMetrics:
    """The collectors of one app and their registry."""

    def __init__(self, screener: ScreenerProbe | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.request_seconds = Histogram(
            "tradeassist_api_request_seconds",
            "API request latency, seconds, by route",
            ("method", "route", "status"),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stream_clients = Gauge(
            "tradeassist_api_stream_clients",
            "clients connected to the live alert streams",
            ("transport",),
            registry=self.registry,
        )
        self.alerts_streamed = Counter(
            "tradeassist_api_alerts_streamed",
            "alerts sent to stream clients (one per client)",
            ("transport",),
            registry=self.registry,
        )
        self.alerts_stored = Gauge(
            "tradeassist_alerts_stored",
            "alerts in the store (read at scrape time)",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "tradeassist_api_rate_limited",
            "requests refused with 429",
            registry=self.registry,
        )
        for transport in ("websocket", "sse"):
            self.stream_clients.labels(transport)
            self.alerts_streamed.labels(transport)
        if screener is not None:
            self.registry.register(_ScreenerCollector(screener.metrics))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one request's latency (seconds) under its route template."""
        self.request_seconds.labels(method, route, f"{status // 100}xx").observe(seconds)

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)
