"""What the notifier core hands to its channels, and the one interface every channel has."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from tradeassist.domain.alerts import Alert, alert_doc, alert_from_doc
from tradeassist.notify.matching import SubscriptionSpec, UserSpec
from tradeassist.store.alerts import StoredAlert

__all__ = ["AlertRef", "Channel", "HeldText", "Notice", "as_ref", "decode_held", "encode_held"]


@dataclass(frozen=True, slots=True)
class AlertRef:
    """An alert and its stored id (None for an alert that was never stored)."""

    alert: Alert
    id: int | None = None


def as_ref(alert: AlertRef | StoredAlert | Alert) -> AlertRef:
    """Any of the alert shapes the system passes around, as an :class:`AlertRef`."""
    if isinstance(alert, AlertRef):
        return alert
    if isinstance(alert, StoredAlert):
        return AlertRef(alert.alert, alert.id)
    return AlertRef(alert)


@dataclass(frozen=True, slots=True)
class HeldText:
    """An alert text held back for the user's digest; ``ledger``: in the delivery ledger."""

    ref: AlertRef
    ledger: bool


def encode_held(held: HeldText) -> str:
    """``held`` as JSON (how a budget shared through Redis keeps it)."""
    doc = {"id": held.ref.id, "ledger": held.ledger, "alert": alert_doc(held.ref.alert)}
    return json.dumps(doc, separators=(",", ":"))


def decode_held(raw: str | bytes) -> HeldText:
    """Inverse of :func:`encode_held`."""
    doc = json.loads(raw)
    ref = AlertRef(alert_from_doc(doc["alert"]), doc["id"])
    return HeldText(ref, bool(doc["ledger"]))


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing to tell one user through one channel.

    ``alerts`` holds one alert, or several for a digest; ``subscriptions`` the
    user's subscriptions that matched with this channel; ``text`` the words a
    text message would carry.
    """

    user: UserSpec
    alerts: tuple[AlertRef, ...]
    subscriptions: tuple[SubscriptionSpec, ...]
    text: str
    digest: bool = False
    ledger: bool = False  # recorded in the delivery ledger: the channel claims it there


class Channel(Protocol):
    """A thin transport behind the core: SMS, WebSocket push, outbound webhook."""

    @property
    def name(self) -> str:
        """The channel's name as subscriptions spell it: ``sms``, ``websocket``, ``webhook``."""
        ...

    async def deliver(self, notice: Notice) -> None:
        """Take the notice; must return quickly (queue slow work, never raise for one user)."""
        ...
