"""The connected-notification-clients gauge rises and falls with the hub's connections."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from tradeassist.notify.channels.websocket import UserPushHub
from tradeassist.notify.metrics import NotifyMetrics


def clients(registry: CollectorRegistry) -> float:
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith("tradeassist_notify_clients "):
            return float(line.split()[1])
    raise AssertionError("the gauge is not exposed")


async def test_the_gauge_counts_open_connections_in_the_exposition() -> None:
    metrics = NotifyMetrics(CollectorRegistry())
    hub = UserPushHub(clients=metrics.clients)

    async with hub.connect("alice"), hub.connect("alice"):
        async with hub.connect("bob"):
            during = clients(metrics.registry)
        after_bob = clients(metrics.registry)

    assert (during, after_bob, clients(metrics.registry)) == (3.0, 2.0, 0.0)
