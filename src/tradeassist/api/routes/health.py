"""``/health`` (the process is up) and ``/health/ready`` (it can do its work)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tradeassist.api.deps import StateDep
from tradeassist.api.schemas.health import CheckPublic, LivenessPublic, ReadinessPublic
from tradeassist.api.state import ApiState
from tradeassist.errors import TradeAssistError
from tradeassist.store.database import ping

__all__ = ["router"]

router = APIRouter(prefix="/health", tags=["health"])
_CHECK_TIMEOUT_SECONDS = 3.0


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
    assert state.screener is not None
    lag = state.screener.feed_lag_seconds()
    if lag is None:
        return CheckPublic(ok=False, detail="no market data received yet")
    if lag > state.max_feed_lag_seconds:
        return CheckPublic(ok=False, detail=f"last market data {lag:.1f} s ago")
    return CheckPublic(ok=True, detail=f"lag {lag:.3f} s")


@router.get(
    "/ready",
    response_model=ReadinessPublic,
    responses={503: {"model": ReadinessPublic, "description": "A dependency is down"}},
)
async def read_readiness(state: StateDep) -> JSONResponse:
    """Readiness: database, bus, the in-process feed's lag, and Temporal when configured."""

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
    failing = [name for name, check in checks.items() if not check.ok]
    body = ReadinessPublic(
        status="unavailable" if failing else "ready",
        detail=f"not ready: {', '.join(failing)}" if failing else "ready",
        checks=checks,
    )
    return JSONResponse(body.model_dump(), status_code=503 if failing else 200)
