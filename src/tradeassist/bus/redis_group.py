"""Consumers that share the alert stream's work (the notifier): a Redis consumer group.

An entry stays pending for the consumer it was delivered to until ``ack``.
A consumer that restarts under the same name gets its pending entries again
first (``XREADGROUP`` from ``0``); ``XAUTOCLAIM`` hands another consumer the
entries a crashed one held for longer than ``claim_idle_ms``. Delivery is at
least once: consumers dedupe by alert id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from tradeassist.bus.base import StoredAlert
from tradeassist.bus.redis_streams import (
    DEFAULT_STREAM,
    decode_entry,
    stream_entries,
    text_of,
    unavailable,
)

__all__ = ["GroupMessage", "RedisAlertGroup"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GroupMessage:
    """An alert delivered to a group consumer; ``ack`` it by ``entry_id`` once handled."""

    entry_id: str
    stored: StoredAlert


class RedisAlertGroup:
    """One consumer of a consumer group on the alert stream (at-least-once delivery).

    ``start_id`` is where a new group starts (``$``: alerts published from now
    on; ``0``: the whole stream). ``read`` first returns this consumer's own
    pending entries (a restart redelivers what it had not acknowledged), then
    entries other consumers left pending over ``claim_idle_ms``, then new ones.
    """

    def __init__(
        self,
        url: str,
        *,
        group: str,
        consumer: str,
        stream: str = DEFAULT_STREAM,
        start_id: str = "$",
        claim_idle_ms: int = 60_000,
    ) -> None:
        self._url = url
        self._group = group
        self._consumer = consumer
        self._stream = stream
        self._start_id = start_id
        self._claim_idle_ms = claim_idle_ms
        self._client: aioredis.Redis | None = None
        # Our own pending entries are read first, from this cursor, until none is left.
        self._pending_cursor: str | None = "0"
        self._next_claim = 0.0

    async def start(self) -> None:
        """Connect and create the group if it does not exist yet."""
        if self._client is not None:
            return
        self._client = aioredis.Redis.from_url(self._url)
        try:
            await self._client.xgroup_create(
                self._stream, self._group, id=self._start_id, mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise unavailable(self._url, exc) from None
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def read(self, *, count: int = 100, block_ms: int = 1000) -> list[GroupMessage]:
        """The next messages for this consumer (empty after ``block_ms`` without any)."""
        await self.start()
        try:
            while self._pending_cursor is not None:
                entries = await self._group_read(self._pending_cursor, count, None)
                if not entries:
                    self._pending_cursor = None
                    break
                self._pending_cursor = text_of(entries[-1][0])
                if messages := await self._messages(entries):
                    return messages
            now = asyncio.get_running_loop().time()
            if now >= self._next_claim:
                self._next_claim = now + min(self._claim_idle_ms / 2000, 5.0)
                assert self._client is not None
                claimed = await self._client.xautoclaim(
                    self._stream,
                    self._group,
                    self._consumer,
                    self._claim_idle_ms,
                    start_id="0-0",
                    count=count,
                )
                if claimed and claimed[1] and (messages := await self._messages(claimed[1])):
                    return messages
            return await self._messages(await self._group_read(">", count, block_ms))
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None

    async def ack(self, entry_ids: Sequence[str]) -> None:
        """Mark messages handled: they are never delivered again."""
        if not entry_ids:
            return
        await self.start()
        assert self._client is not None
        try:
            await self._client.xack(self._stream, self._group, *entry_ids)
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None

    async def oldest_open(self, *, scan: int = 1000) -> int | None:
        """The lowest alert id the group may still hand out, None when it holds none.

        Open entries are those delivered and not acknowledged (by any consumer)
        and those not delivered yet; with more than ``scan`` of either kind the
        answer is 0 (everything may still come), never a guess.
        """
        await self.start()
        assert self._client is not None
        try:
            groups = await self._client.xinfo_groups(self._stream)
            info = next(g for g in groups if text_of(g["name"]) == self._group)
            pending = await self._client.xpending_range(
                self._stream, self._group, min="-", max="+", count=scan
            )
            waiting = list(
                await self._client.xrange(
                    self._stream, min="(" + text_of(info["last-delivered-id"]), count=scan
                )
                or []
            )
            if len(pending) >= scan or len(waiting) >= scan:
                return 0
            entries = waiting
            for item in pending:
                entry_id = text_of(item["message_id"])
                entries.extend(await self._client.xrange(self._stream, entry_id, entry_id) or [])
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None
        ids = [int(f[b"id"]) for _, f in entries if f and b"id" in f]
        return min(ids, default=None)

    async def _group_read(self, cursor: str, count: int, block_ms: int | None) -> list[Any]:
        assert self._client is not None
        reply = await self._client.xreadgroup(
            self._group, self._consumer, {self._stream: cursor}, count=count, block=block_ms
        )
        return stream_entries(reply)

    async def _messages(self, entries: Sequence[Any]) -> list[GroupMessage]:
        out, useless = [], []
        for entry_id, fields in entries:
            if not fields:  # trimmed while pending
                useless.append(text_of(entry_id))
                continue
            try:
                out.append(GroupMessage(text_of(entry_id), decode_entry(fields)))
            except ValueError as exc:
                log.warning("skipping a foreign entry on %s: %s", self._stream, exc)
                useless.append(text_of(entry_id))
        await self.ack(useless)  # nothing to do with them: never deliver them again
        return out
