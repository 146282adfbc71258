"""Alert buses: one interface, in-process and database-following implementations."""

from tradeassist.bus.base import AlertBus, AlertSubscription, BusClosed, BusLagged, StoredAlert
from tradeassist.bus.follower import AlertSource, DatabaseFollowerBus
from tradeassist.bus.memory import InProcessBus

__all__ = [
    "AlertBus",
    "AlertSource",
    "AlertSubscription",
    "BusClosed",
    "BusLagged",
    "DatabaseFollowerBus",
    "InProcessBus",
    "StoredAlert",
]
