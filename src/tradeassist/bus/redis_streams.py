"""The alert bus on a Redis Stream (``REDIS_URL``).

``publish`` is ``XADD`` (capped with ``MAXLEN ~``) of committed alerts, in id
order. Two ways to read, per PRODUCT.md section 4:

- :class:`RedisStreamBus` subscriptions: every process (each API replica)
  reads the whole stream with ``XREAD`` in one reader task and fans it out to
  its local subscribers (its WebSocket and SSE clients). A subscriber that
  falls behind, or a stream trimmed before the reader read it (told by Redis
  7's ``entries-added`` counter), gets :class:`~tradeassist.bus.base.BusLagged`
  and catches up from the store by id, as the bus contract says.
- :class:`~tradeassist.bus.redis_group.RedisAlertGroup`: consumers that
  share work (the notifier) read in a consumer group, nothing lost when one
  restarts.

Entries are ``{"id": <alert id>, "alert": <JSON>}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from tradeassist.bus.base import StoredAlert
from tradeassist.bus.fanout import QueueSubscription
from tradeassist.domain.alerts import alert_doc, alert_from_doc
from tradeassist.errors import StorageError
from tradeassist.store.database import safe_url

__all__ = [
    "DEFAULT_STREAM",
    "RedisStreamBus",
    "RedisSubscription",
    "decode_entry",
    "encode_entry",
    "stream_entries",
    "unavailable",
]

log = logging.getLogger(__name__)

DEFAULT_STREAM = "tradeassist:alerts"


def encode_entry(stored: StoredAlert) -> dict[str, str]:
    """The stream entry of one stored alert."""
    doc = alert_doc(stored.alert) | {"created_at": stored.created_at.isoformat()}
    return {"id": str(stored.id), "alert": json.dumps(doc, separators=(",", ":"))}


def decode_entry(fields: dict[Any, Any]) -> StoredAlert:
    """Inverse of :func:`encode_entry`; raises ValueError for a foreign entry."""
    try:
        raw = {(k.decode() if isinstance(k, bytes) else k): v for k, v in fields.items()}
        doc = json.loads(raw["alert"])
        alert = alert_from_doc(doc)
        created = dt.datetime.fromisoformat(doc["created_at"])
        return StoredAlert(id=int(raw["id"]), alert=alert, created_at=created)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an alert entry ({exc})") from None


def text_of(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def stream_entries(reply: Any) -> list[tuple[Any, Any]]:
    """The (id, fields) entries of an XREAD/XREADGROUP reply (RESP2 list or RESP3 dict)."""
    if not reply:
        return []
    streams = reply.values() if isinstance(reply, dict) else (items for _, items in reply)
    return [(entry[0], entry[1]) for items in streams for entry in items]


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def unavailable(url: str, exc: Exception) -> StorageError:
    return StorageError(f"Redis at {safe_url(url)} is unavailable: {type(exc).__name__}: {exc}")


class RedisSubscription(QueueSubscription):
    """One local subscriber of a :class:`RedisStreamBus` (an ``AlertSubscription``)."""

    lag_message = "subscriber fell behind the alert stream"

    def __init__(self, bus: RedisStreamBus, max_pending: int) -> None:
        super().__init__(max_pending)
        self._bus = bus

    async def attach(self) -> None:
        await self._bus._attach(self)

    def detach(self) -> None:
        self._bus._detach(self)


class RedisStreamBus:
    """Publishes to and reads from one Redis Stream (an ``AlertBus``)."""

    def __init__(
        self,
        url: str,
        *,
        stream: str = DEFAULT_STREAM,
        maxlen: int = 100_000,
        block_ms: int = 1000,
        read_count: int = 1000,
        max_pending: int = 256,
    ) -> None:
        self._url = url
        self._stream = stream
        self._maxlen = maxlen
        self._block_ms = block_ms
        self._count = read_count
        self._max_pending = max_pending
        self._client: aioredis.Redis | None = None
        self._reader_client: aioredis.Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._position = "0-0"
        self._added_at_start = 0
        self._read_count = 0
        self._subscribers: set[RedisSubscription] = set()
        self._failure: str | None = None
        self._closed = False

    @property
    def stream(self) -> str:
        return self._stream

    async def start(self) -> None:
        if self._client is None:
            self._client = aioredis.Redis.from_url(self._url)
            self._closed = False

    async def close(self) -> None:
        self._closed = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        for sub in list(self._subscribers):
            sub.close()
        self._subscribers.clear()
        for client in (self._client, self._reader_client):
            if client is not None:
                await client.aclose()
        self._client = self._reader_client = None

    async def publish(self, alerts: Sequence[StoredAlert]) -> None:
        """``XADD`` each alert, in id order, in one round trip; StorageError on failure."""
        if not alerts:
            return
        await self.start()
        assert self._client is not None
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for stored in sorted(alerts, key=lambda s: s.id):
                    fields: Any = encode_entry(stored)
                    pipe.xadd(self._stream, fields, maxlen=self._maxlen, approximate=True)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None

    def subscribe(self) -> RedisSubscription:
        return RedisSubscription(self, self._max_pending)

    async def check(self) -> None:
        await self.start()
        assert self._client is not None
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None
        if self._reader is not None and self._reader.done():
            raise StorageError("the Redis stream reader has stopped")

    # --- the process's one reader ---------------------------------------------------
    async def _attach(self, sub: RedisSubscription) -> None:
        if self._closed:
            sub.close()
            return
        if self._reader is None:
            # Read from the stream's end as it is now: alerts published from here on.
            self._reader_client = aioredis.Redis.from_url(self._url)
            try:
                info = await self._stream_info(self._reader_client)
            except (RedisError, OSError) as exc:
                raise unavailable(self._url, exc) from None
            self._position = text_of(info.get("last-generated-id", b"0-0"))
            self._added_at_start = int(info.get("entries-added", 0))
            self._read_count = 0
            self._reader = asyncio.create_task(self._read(), name="redis-alert-reader")
        self._subscribers.add(sub)

    def _detach(self, sub: RedisSubscription) -> None:
        self._subscribers.discard(sub)

    async def _stream_info(self, client: aioredis.Redis) -> dict[str, Any]:
        try:
            return dict(await client.xinfo_stream(self._stream))
        except ResponseError as exc:
            if "no such key" in str(exc).lower():
                return {}
            raise

    async def _trimmed_unread(self, client: aioredis.Redis) -> bool:
        """Whether entries were trimmed before this reader read them.

        Every entry added since the reader started has a larger id than its start,
        so once it has read up to the stream's last id it must have read exactly
        the entries added since; fewer means the ``MAXLEN`` cap trimmed some first.
        """
        info = await self._stream_info(client)
        if text_of(info.get("last-generated-id", b"0-0")) != self._position:
            return False  # more to read: check once caught up
        return int(info.get("entries-added", 0)) - self._added_at_start > self._read_count

    async def _read(self) -> None:
        assert self._reader_client is not None
        client = self._reader_client
        while True:
            try:
                reply = await client.xread(
                    {self._stream: self._position}, count=self._count, block=self._block_ms
                )
                entries = stream_entries(reply)
                if entries:
                    self._position = text_of(entries[-1][0])
                    self._read_count += len(entries)
                    lagged = await self._trimmed_unread(client)
                    if lagged:  # everyone catches up from the store, by id
                        self._read_count = (
                            int((await self._stream_info(client)).get("entries-added", 0))
                            - self._added_at_start
                        )
                        for sub in list(self._subscribers):
                            sub.lag()
                self._failure = None
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self._failure is None:
                    log.warning("cannot read the Redis alert stream: %s", exc)
                self._failure = str(exc)
                await asyncio.sleep(1.0)
                continue
            if not entries or lagged:
                continue
            batch = []
            for _, fields in entries:
                try:
                    batch.append(decode_entry(fields))
                except ValueError as exc:
                    log.warning("skipping a foreign entry on %s: %s", self._stream, exc)
            if batch:
                for sub in list(self._subscribers):
                    sub.offer(tuple(batch))
