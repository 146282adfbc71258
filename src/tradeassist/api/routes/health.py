"""``/health`` (the process is up) and ``/health/ready`` (it can do its work)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tradeassist.api.deps import StateDep
from tradeassist.api.schemas.health import CheckPublic, LivenessPublic, ReadinessPublic
from tradeassist.api.state import ApiState
from tradeassist.errors import TradeAssistError
from tradeassist.feeds.databento.feed_types import FeedStatus
from tradeassist.store.database import ping

__all__ = ["router"]

router = APIRouter(prefix="/health", tags=["health"])
_CHECK_TIMEOUT_SECONDS = 3.0
#: Feed states in which no market data arrives (see ``FeedStatus.state``).
_FEED_DOWN = frozenset({"stale", "backoff", "stopped", "failed"})


@router.get("", response_model=LivenessPublic)
async def read_liveness() -> LivenessPublic:
    """Liveness: the process answers."""
    return LivenessPublic()


async def _check(probe: Callable[[], Awaitable[None]]) -> CheckPublic:
    try:
        await asyncio.wait_for(probe(), _CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return CheckPublic(ok=False, detail=f"no answer within {_CHECK_TIMEOUT_SECONDS:g} s")
    except TradeAssistError as exc:
        return CheckPublic(ok=False, detail=exc.message)
    except Exception as exc:
        return CheckPublic(ok=False, detail=type(exc).__name__)
    return CheckPublic(ok=True)


def _feed_check(state: ApiState) -> CheckPublic:
    """The in-process feed: failing or silent (no record and no heartbeat) is not ready.

    A quiet market sends heartbeats only, so records may stop while the feed is
    healthy; a feed that exposes its status (``screener.feed``) is judged by its
    state and its last bytes of any kind, another by its last record.
    """
    assert state.screener is not None
    limit = state.max_feed_lag_seconds
    feed = getattr(state.screener, "feed", None)
    lag = state.screener.feed_lag_seconds()
    if isinstance(feed, FeedStatus):
        if feed.state in _FEED_DOWN:
            why = f": {feed.last_error}" if feed.last_error else ""
            return CheckPublic(ok=False, detail=f"feed {feed.state}{why}")
        if feed.last_data_at is None:
            return CheckPublic(ok=False, detail="no market data received yet")
        silent = time.monotonic() - feed.last_data_at
        if silent > limit:
            return CheckPublic(ok=False, detail=f"no data or heartbeat for {silent:.1f} s")
        shown = "no record yet" if lag is None else f"last record {lag:.3f} s ago"
        return CheckPublic(ok=True, detail=f"{feed.state}, {shown}")
    if lag is None:
        return CheckPublic(ok=False, detail="no market data received yet")
    if lag > limit:
        return CheckPublic(ok=False, detail=f"last market data {lag:.1f} s ago")
    return CheckPublic(ok=True, detail=f"lag {lag:.3f} s")


def _background_check(state: ApiState) -> CheckPublic | None:
    if state.background is None or not state.background.tasks:
        return None
    stopped = state.background.failed()
    if stopped:
        return CheckPublic(ok=False, detail=f"stopped: {', '.join(stopped)}")
    return CheckPublic(ok=True, detail=", ".join(state.background.tasks))


@router.get(
    "/ready",
    response_model=ReadinessPublic,
    responses={503: {"model": ReadinessPublic, "description": "A dependency is down"}},
)
async def read_readiness(state: StateDep) -> JSONResponse:
    """Readiness: database, bus, the in-process feed, Temporal when configured, and the
    background work (notifier, live grading); 503 names what is failing."""

    async def database() -> None:
        await ping(state.engine, state.database_url)

    probes: dict[str, Callable[[], Awaitable[None]]] = {
        "database": database,
        "bus": state.bus.check,
    }
    if state.temporal_check is not None:
        probes["temporal"] = state.temporal_check
    names = list(probes)
    results = await asyncio.gather(*(_check(probes[name]) for name in names))
    checks = dict(zip(names, results, strict=True))
    if state.screener is not None:
        checks["feed"] = _feed_check(state)
    if (background := _background_check(state)) is not None:
        checks["background"] = background
    failing = [name for name, check in checks.items() if not check.ok]
    body = ReadinessPublic(
        status="unavailable" if failing else "ready",
        detail=f"not ready: {', '.join(failing)}" if failing else "ready",
        checks=checks,
    )
    return JSONResponse(body.model_dump(), status_code=503 if failing else 200)
