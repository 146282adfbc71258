"""Prometheus figures of the notifier and SMS, on a registry the caller owns (never the global one).

The delivery rate is delivered / (delivered + undelivered + failed) over the
receipts this process has seen (Twilio's final statuses).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["FINAL_STATUSES", "NotifyMetrics"]

FINAL_STATUSES = ("delivered", "undelivered", "failed")


class NotifyMetrics:
    """The collectors; pass the app's registry so ``/metrics`` shows them."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.alerts = Counter("tradeassist_notify_alerts", "alerts matched", registry=r)
        self.notices = Counter(
            "tradeassist_notify_notices", "notices handed to channels", ("channel",), registry=r
        )
        self.held = Counter(
            "tradeassist_notify_held", "alert texts held back for a digest", registry=r
        )
        self.sms_sent = Counter(
            "tradeassist_sms_send_attempts",
            "outbound SMS attempts by result",
            ("result",),
            registry=r,
        )
        self.sms_capped = Counter(
            "tradeassist_sms_capped", "texts not sent: a daily cost cap was reached", registry=r
        )
        self.receipts = Counter(
            "tradeassist_sms_receipts", "delivery receipts by status", ("status",), registry=r
        )
        self.delivery_rate = Gauge(
            "tradeassist_sms_delivery_rate",
            "delivered / (delivered + undelivered + failed), from receipts",
            registry=r,
        )
        self.circuit_open = Gauge(
            "tradeassist_sms_circuit_open", "1 while the circuit to Twilio is open", registry=r
        )
        self.inbound = Counter(
            "tradeassist_sms_inbound", "inbound texts by outcome", ("outcome",), registry=r
        )
        self.webhooks = Counter(
            "tradeassist_webhook_deliveries", "outbound webhook results", ("result",), registry=r
        )
        self.clients = Gauge(
            "tradeassist_notify_clients",
            "notification clients connected (WS /ws/notifications and SSE /sse/notifications)",
            registry=r,
        )
        self.pruned = Counter(
            "tradeassist_retention_pruned_rows",
            "finished rows deleted past the retention, by table",
            ("table",),
            registry=r,
        )
        self._final = dict.fromkeys(FINAL_STATUSES, 0)

    def receipt(self, status: str) -> None:
        """Count one status change from a receipt and update the delivery rate."""
        self.receipts.labels(status).inc()
        if status in self._final:
            self._final[status] += 1
            total = sum(self._final.values())
            self.delivery_rate.set(self._final["delivered"] / total)

    @property
    def delivered_fraction(self) -> float | None:
        """The delivery rate as a number (None before the first final receipt)."""
        total = sum(self._final.values())
        return None if total == 0 else self._final["delivered"] / total
