"""A small cache of rendered alert pages, versioned by the bus's last delivered id.

``GET /alerts`` pages are the same for every caller until a new alert is
stored. An entry is valid while the bus has delivered nothing newer than
when it was made (so a client that has just received alert N over a stream
gets a page with N in it) and for at most ``ttl_seconds`` (bounding
staleness if something writes alerts without going through this bus).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

__all__ = ["PageCache"]


class PageCache:
    """Rendered bodies by request key; ``max_entries`` bounds memory (LRU)."""

    def __init__(
        self,
        *,
        max_entries: int = 512,
        ttl_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_entries
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[int, float, bytes]] = OrderedDict()
        self._loading: dict[tuple[Hashable, int], asyncio.Future[bytes]] = {}

    async def get_or_load(
        self, key: Hashable, version: int | None, load: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        """The cached body, or ``load()``'s; concurrent misses of one key share one load.

        Without this, every request arriving while a popular page is being
        rebuilt would query the store too, and a burst could drain the pool.
        """
        cached = self.get(key, version)
        if cached is not None:
            return cached
        if version is None or self._max <= 0 or self._ttl <= 0:
            return await load()
        pending = self._loading.get((key, version))
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._loading[(key, version)] = future
        try:
            body = await load()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            del self._loading[(key, version)]
        future.set_result(body)
        self.put(key, version, body)
        return body

    def get(self, key: Hashable, version: int | None) -> bytes | None:
        """The body stored for ``key`` at ``version``, unless older or expired."""
        if version is None or self._max <= 0 or self._ttl <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        made_at_version, made_at, body = entry
        if made_at_version != version or self._clock() - made_at > self._ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return body

    def put(self, key: Hashable, version: int | None, body: bytes) -> None:
        """Remember ``body`` for ``key``, read from the store when the bus was at ``version``."""
        if version is None or self._max <= 0 or self._ttl <= 0:
            return
        self._entries[key] = (version, self._clock(), body)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
