"""The per-user text budget kept in Redis, shared by every notifier replica (``REDIS_URL``).

The rule is :class:`~tradeassist.notify.budget.TextRule`, run here in Python;
this module only loads one user's window from Redis and writes the rule's
decision back atomically. Keys, under ``prefix`` (next to the alert stream):

- ``<prefix><user>:sent``: a sorted set, one member per text counted, scored by
  its time in microseconds; trimmed to the last period and expiring after it;
- ``<prefix><user>:since``: when the user's held alerts started waiting;
- ``<prefix><user>:held``: the held alerts, oldest first (a list);
- ``<prefix>holding``: the users with held alerts (what a flush visits).

Every change is ``WATCH`` on the user's three keys, read, decide, ``MULTI`` …
``EXEC``: if another replica changed the user's budget in between, ``EXEC``
fails and the step is run again on fresh state. So two replicas together never
count more than N texts in a period, and a digest's alerts are taken (read and
deleted) in the one transaction that counts the digest: whichever replica's
flush wins sends it, and the other finds nothing held. The held keys expire
after ``held_ttl_seconds`` only as a safety net: the delivery ledger still has
those alerts as ``held`` and its recovery puts them back into a digest.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, WatchError

from tradeassist.bus.redis_streams import text_of, unavailable
from tradeassist.notify.budget import TextRule, UserWindow
from tradeassist.notify.budget_store import BudgetStore

__all__ = ["RedisBudgetStore"]

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def _micros(at: datetime) -> int:
    """``at`` in whole microseconds since the epoch (exact as a Redis score)."""
    return (at - _EPOCH) // _MICRO


def _time(micros: float | bytes | str) -> datetime:
    return _EPOCH + int(float(micros)) * _MICRO


@dataclass(frozen=True, slots=True)
class _Keys:
    sent: str
    since: str
    held: str


#: The writes of one decision, queued on the transaction.
_Writes = Callable[[Pipeline], object]
#: Decides on the user's window (updating it); the writes to commit, None: nothing to write.
_Step = Callable[[_Keys, UserWindow], _Writes | None]


class RedisBudgetStore(BudgetStore[T], Generic[T]):
    """See the module docstring; ``encode``/``decode`` turn held items into strings and back."""

    def __init__(
        self,
        url: str,
        *,
        rule: TextRule,
        prefix: str,
        encode: Callable[[T], str],
        decode: Callable[[bytes], T],
        held_ttl_seconds: int = 86_400,
        parallel: int = 16,
    ) -> None:
        self._url = url
        self._client = aioredis.Redis.from_url(url)
        self._rule = rule
        self._prefix = prefix
        self._holding = f"{prefix}holding"
        self._encode = encode
        self._decode = decode
        self._held_ttl = held_ttl_seconds
        self._parallel = asyncio.Semaphore(parallel)  # transactions in flight at once
        self._sent_ttl_ms = int(rule.period / timedelta(milliseconds=1)) + 1000

    def _keys(self, user_id: str) -> _Keys:
        base = f"{self._prefix}{user_id}:"
        return _Keys(base + "sent", base + "since", base + "held")

    async def offer(self, user_id: str, item: T, at: datetime) -> bool:
        texted = False

        def step(keys: _Keys, window: UserWindow) -> _Writes:
            nonlocal texted
            holding = window.holding_since is not None
            texted = self._rule.offer(window, at)
            if texted:
                return lambda pipe: self._count(pipe, keys, at)
            return lambda pipe: self._push(pipe, keys, user_id, window, item, start=not holding)

        await self._transact(user_id, step)
        return texted

    async def offer_all(self, user_ids: Sequence[str], item: T, at: datetime) -> list[bool]:
        # Distinct users' budgets are independent: their transactions run side by side.
        async def one(user_id: str) -> bool:
            async with self._parallel:
                return await self.offer(user_id, item, at)

        if len(user_ids) == 1:
            return [await self.offer(user_ids[0], item, at)]
        return list(await asyncio.gather(*(one(user_id) for user_id in user_ids)))

    async def hold(self, user_id: str, item: T, at: datetime) -> None:
        def step(keys: _Keys, window: UserWindow) -> _Writes:
            holding = window.holding_since is not None
            self._rule.hold(window, at)
            return lambda pipe: self._push(pipe, keys, user_id, window, item, start=not holding)

        await self._transact(user_id, step)

    async def due_digests(
        self, at: datetime, accept: Callable[[str], bool] | None = None
    ) -> list[tuple[str, list[T]]]:
        due: list[tuple[str, list[T]]] = []
        for user_id in sorted(await self.users()):
            if accept is not None and not accept(user_id):
                continue

            def step(keys: _Keys, window: UserWindow, user: str = user_id) -> _Writes | None:
                if window.holding_since is None:  # the held keys expired: nothing to send
                    return lambda pipe: pipe.srem(self._holding, user)
                if not self._rule.take_digest(window, at):
                    return None
                return lambda pipe: self._take(pipe, keys, user, at)

            result = await self._transact(user_id, step)
            if result and len(result) > 1 and result[0]:
                due.append((user_id, [self._decode(raw) for raw in result[0]]))
        return due

    async def held(self, user_id: str) -> int:
        return int(await self._call(self._client.llen, self._keys(user_id).held))

    async def users(self) -> list[str]:
        return [text_of(u) for u in await self._call(self._client.smembers, self._holding)]

    async def forget(self, user_id: str) -> None:
        keys = self._keys(user_id)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(keys.sent, keys.since, keys.held)
                pipe.srem(self._holding, user_id)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None

    async def aclose(self) -> None:
        await self._client.aclose()

    def _count(self, pipe: Pipeline, keys: _Keys, at: datetime) -> None:
        """Count one text at ``at``; texts older than the period are dropped."""
        micros = _micros(at)
        pipe.zremrangebyscore(keys.sent, "-inf", _micros(at - self._rule.period))
        pipe.zadd(keys.sent, {f"{micros}:{uuid.uuid4().hex[:12]}": micros})
        pipe.pexpire(keys.sent, self._sent_ttl_ms)

    def _take(self, pipe: Pipeline, keys: _Keys, user_id: str, at: datetime) -> None:
        """Read and delete the held alerts (the first result), count the digest."""
        pipe.lrange(keys.held, 0, -1)
        pipe.delete(keys.held, keys.since)
        pipe.srem(self._holding, user_id)
        self._count(pipe, keys, at)

    def _push(
        self, pipe: Pipeline, keys: _Keys, user_id: str, window: UserWindow, item: T, *, start: bool
    ) -> None:
        pipe.rpush(keys.held, self._encode(item))
        if start:
            assert window.holding_since is not None
            pipe.set(keys.since, _micros(window.holding_since))
            pipe.sadd(self._holding, user_id)
        pipe.expire(keys.held, self._held_ttl)
        pipe.expire(keys.since, self._held_ttl)

    async def _transact(self, user_id: str, step: _Step) -> list[Any] | None:
        """Run ``step`` on the user's window until its writes commit unopposed."""
        keys = self._keys(user_id)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        await pipe.watch(keys.sent, keys.since, keys.held)
                        scores: list[Any] = await pipe.zrange(keys.sent, 0, -1, withscores=True)
                        since: bytes | str | None = await pipe.get(keys.since)
                        window = UserWindow(
                            deque(_time(score) for _, score in scores),
                            None if since is None else _time(since),
                        )
                        writes = step(keys, window)
                        if writes is None:
                            await pipe.reset()  # type: ignore[no-untyped-call]
                            return None
                        pipe.multi()  # type: ignore[no-untyped-call]
                        writes(pipe)
                        result: list[Any] = await pipe.execute()
                        return result
                    except WatchError:
                        continue  # another replica changed this user's budget: decide again
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None

    async def _call(self, command: Callable[..., Any], *args: Any) -> Any:
        try:
            return await command(*args)
        except (RedisError, OSError) as exc:
            raise unavailable(self._url, exc) from None
