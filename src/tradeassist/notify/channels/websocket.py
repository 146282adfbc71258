"""Per-user push: the notices a user's subscriptions match, for the API's WebSocket to send.

The API's ``WS /ws/notifications`` and ``GET /sse/notifications`` read one
user's notices like this::

    async with hub.connect(user_id) as inbox:
        async for message in inbox:          # dicts, ready for send_json
            await websocket.send_json(message)

Each connection has a bounded queue; a client that stops reading loses its
oldest messages first (and the next message says how many were dropped), so
a stuck browser never holds memory or slows the notifier down.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import Gauge

from tradeassist.notify.model import Notice

__all__ = ["UserInbox", "UserPushHub", "WebSocketChannel", "notice_message"]


class UserInbox:
    """One connection's queue of messages; iterate it to receive them."""

    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize)
        self.dropped = 0

    def put(self, message: dict[str, Any]) -> None:
        if self._queue.full():
            lost = self._queue.get_nowait()
            # A lost message may itself have carried a count: keep it, so none goes untold.
            self.dropped += 1 + int(lost.get("dropped", 0))
        if self.dropped:
            message = {**message, "dropped": self.dropped}
            self.dropped = 0
        self._queue.put_nowait(message)

    async def get(self) -> dict[str, Any]:
        return await self._queue.get()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            yield await self._queue.get()


class UserPushHub:
    """Connections by user; ``publish`` reaches all of one user's open connections."""

    def __init__(self, *, queue_size: int = 500, clients: Gauge | None = None) -> None:
        self._size = queue_size
        self._inboxes: dict[str, set[UserInbox]] = {}
        self._clients = clients  # connections open now (the WebSocket and SSE routes)

    @asynccontextmanager
    async def connect(self, user_id: str) -> AsyncIterator[UserInbox]:
        """An inbox for ``user_id`` while the block runs."""
        inbox = UserInbox(self._size)
        self._inboxes.setdefault(user_id, set()).add(inbox)
        if self._clients is not None:
            self._clients.inc()
        try:
            yield inbox
        finally:
            if self._clients is not None:
                self._clients.dec()
            inboxes = self._inboxes.get(user_id)
            if inboxes is not None:
                inboxes.discard(inbox)
                if not inboxes:
                    del self._inboxes[user_id]

    def publish(self, user_id: str, message: dict[str, Any]) -> int:
        """Queue ``message`` for every connection of the user; returns how many."""
        inboxes = self._inboxes.get(user_id, ())
        for inbox in inboxes:
            inbox.put(message)
        return len(inboxes)

    def connected(self, user_id: str) -> int:
        return len(self._inboxes.get(user_id, ()))


def notice_message(notice: Notice) -> dict[str, Any]:
    """The JSON a client receives: the alert, its stored id, the subscriptions that matched.

    ``{"type": "alert", "alert_id": 12, "alert": {...}, "subscriptions": [{"id": 3,
    "name": "gaps"}]}``; ``alert`` is the replay contract's shape.
    """
    ref = notice.alerts[0]
    return {
        "type": "alert",
        "alert_id": ref.id,
        "alert": ref.alert.to_json_dict(),
        "subscriptions": [{"id": s.id, "name": s.name} for s in notice.subscriptions],
    }


class WebSocketChannel:
    """The ``websocket`` channel: notices into the hub."""

    name = "websocket"

    def __init__(self, hub: UserPushHub) -> None:
        self._hub = hub

    async def deliver(self, notice: Notice) -> None:
        self._hub.publish(notice.user.id, notice_message(notice))
