"""The live screener's Prometheus figures and the status ``/health/ready`` reads.

Histograms, in seconds: ``tradeassist_live_alert_latency_seconds`` (a
record's arrival at this process to its alert committed in the store),
``tradeassist_live_batch_seconds`` (a batch's arrival to the engine done
with it), ``tradeassist_live_commit_seconds`` (an alert handed to the commit
process to committed) and ``tradeassist_live_feed_lag_seconds`` (the wall clock minus the
``ts_recv`` of a batch's last record: how far behind the market the feed is;
large for recorded data). Counters of records, alerts raised, stored and
spooled, and bars stored. They live on the registry passed in (never the
global one), so the API can serve them when the screener runs in its process.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

from tradeassist.feeds.databento.feed_types import FeedStatus

__all__ = ["LiveMetrics", "ScreenerStatus"]

_FAST_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.005,
    0.0075,
    0.01,
    0.02,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
_LAG_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 3600.0)


class LiveMetrics:
    """The collectors; ``keep_samples`` also keeps every alert latency (benchmarks)."""

    def __init__(
        self, registry: CollectorRegistry | None = None, *, keep_samples: bool = False
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.alert_latency = Histogram(
            "tradeassist_live_alert_latency_seconds",
            "record arrival to its alert committed, seconds",
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.batch_latency = Histogram(
            "tradeassist_live_batch_seconds",
            "batch arrival to screened, seconds",
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.commit_latency = Histogram(
            "tradeassist_live_commit_seconds",
            "alert handed to the commit process to committed, seconds",
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.feed_lag = Histogram(
            "tradeassist_live_feed_lag_seconds",
            "wall clock minus the ts_recv of each batch's last record, seconds",
            buckets=_LAG_BUCKETS,
            registry=r,
        )
        self.records = Counter("tradeassist_live_records", "market records screened", registry=r)
        self.alerts_raised = Counter("tradeassist_live_alerts_raised", "alerts raised", registry=r)
        self.alerts_stored = Counter(
            "tradeassist_live_alerts_stored", "alerts newly stored", registry=r
        )
        self.alerts_spooled = Counter(
            "tradeassist_live_alerts_spooled", "alerts spooled during a database outage", registry=r
        )
        self.bars_stored = Counter("tradeassist_live_bars_stored", "bars upserted", registry=r)
        self.samples: list[float] | None = [] if keep_samples else None
        self.batch_samples: list[float] | None = [] if keep_samples else None
        # Per alert (benchmarks), seconds: (arrival to handed to the commit process,
        # handed to its transaction begun, transaction begun to committed).
        self.stage_samples: list[tuple[float, float, float]] | None = [] if keep_samples else None

    def batch_screened(self, seconds: float) -> None:
        """A batch went through the engine ``seconds`` after its first record arrived."""
        self.batch_latency.observe(seconds)
        if self.batch_samples is not None:
            self.batch_samples.append(seconds)

    def commit_stages(self, stages_s: Sequence[tuple[float, float, float]]) -> None:
        """Per alert committed, seconds: arrival to handed to the commit process,
        handed to its transaction begun, begun to committed."""
        for _, handing, committing in stages_s:
            self.commit_latency.observe(handing + committing)
        if self.stage_samples is not None:
            self.stage_samples.extend(stages_s)

    def alerts_committed(self, latencies_s: Sequence[float]) -> None:
        """Alerts reached the store; their latencies from arrival, seconds."""
        for value in latencies_s:
            self.alert_latency.observe(value)
        if self.samples is not None:
            self.samples.extend(latencies_s)


@dataclass(slots=True)
class ScreenerStatus:
    """What a running screener says about itself (an ``api.metrics.ScreenerProbe``)."""

    feed: FeedStatus = field(default_factory=FeedStatus)
    records: int = 0
    alerts_raised: int = 0
    alerts_stored: int = 0
    alerts_pending: int = 0
    alerts_spooled: int = 0
    spool_pending: int = 0
    bars_pending: int = 0
    bars_stored: int = 0
    database_ok: bool = True
    running: bool = False
    started_at: float = field(default_factory=time.monotonic)

    def feed_lag_seconds(self) -> float | None:
        """Seconds since the feed last delivered a record; None before the first."""
        return self.feed.seconds_since_record()

    def metrics(self) -> Mapping[str, float]:
        return {
            "records": float(self.records),
            "alerts_raised": float(self.alerts_raised),
            "alerts_stored": float(self.alerts_stored),
            "alerts_pending": float(self.alerts_pending),
            "alerts_spooled": float(self.alerts_spooled),
            "spool_pending": float(self.spool_pending),
            "bars_pending": float(self.bars_pending),
            "bars_stored": float(self.bars_stored),
            "database_ok": 1.0 if self.database_ok else 0.0,
            "feed_connected": 1.0 if self.feed.connected else 0.0,
            "feed_reconnects": float(self.feed.reconnects),
            "feed_duplicates_dropped": float(self.feed.duplicates_dropped),
        }
