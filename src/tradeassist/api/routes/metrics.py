"""``/metrics`` in the Prometheus text format."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from tradeassist.api.deps import StateDep
from tradeassist.store.alert_queries import count_alerts

__all__ = ["router"]

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def read_metrics(state: StateDep) -> Response:
    """Request latency by route, stream clients, alerts stored, screener figures."""
    # A slow or absent database must not break the scrape: the other figures still count.
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2.0), state.sessions() as session:
            state.metrics.alerts_stored.set(await count_alerts(session))
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
