from __future__ import annotations

import asyncio

from tradeassist.api.page_cache import PageCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_page_is_served_while_the_bus_has_nothing_newer() -> None:
    cache = PageCache(clock=Clock())
    cache.put("first-page", 41, b"page")

    assert cache.get("first-page", 41) == b"page"
    assert cache.get("first-page", 42) is None  # a newer alert was delivered
    assert cache.get("first-page", 41) is None  # and the stale entry is gone


def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = PageCache(ttl_seconds=1.0, clock=clock)
    cache.put("k", 1, b"page")

    clock.now = 1.5

    assert cache.get("k", 1) is None


def test_nothing_is_cached_without_a_known_version_or_when_disabled() -> None:
    unknown = PageCache(clock=Clock())
    disabled = PageCache(ttl_seconds=0, clock=Clock())
    unknown.put("k", None, b"page")
    disabled.put("k", 1, b"page")

    assert unknown.get("k", None) is None
    assert disabled.get("k", 1) is None


def test_the_least_recently_used_entry_is_dropped_first() -> None:
    cache = PageCache(max_entries=2, clock=Clock())
    cache.put("a", 1, b"a")
    cache.put("b", 1, b"b")
    cache.get("a", 1)

    cache.put("c", 1, b"c")

    assert cache.get("b", 1) is None
    assert cache.get("a", 1) == b"a"


async def test_concurrent_misses_of_one_page_share_one_load() -> None:
    cache = PageCache(clock=Clock())
    loads = 0
    gate = asyncio.Event()

    async def load() -> bytes:
        nonlocal loads
        loads += 1
        await gate.wait()
        return b"page"

    waiters = [asyncio.create_task(cache.get_or_load("k", 7, load)) for _ in range(20)]
    await asyncio.sleep(0)
    gate.set()
    bodies = await asyncio.gather(*waiters)

    assert loads == 1
    assert bodies == [b"page"] * 20
    assert cache.get("k", 7) == b"page"


async def test_a_failed_load_reaches_every_waiter_and_is_not_cached() -> None:
    cache = PageCache(clock=Clock())

    async def load() -> bytes:
        await asyncio.sleep(0)
        raise ValueError("store down")

    results = await asyncio.gather(
        *(cache.get_or_load("k", 7, load) for _ in range(3)), return_exceptions=True
    )

    assert all(isinstance(r, ValueError) for r in results)
    assert cache.get("k", 7) is None
