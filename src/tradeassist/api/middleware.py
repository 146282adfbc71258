"""Pure ASGI middleware: request body size limit, and per-route latency.

Pure ASGI (not ``BaseHTTPMiddleware``) so streaming responses and WebSockets
pass through untouched and the cost per request stays in microseconds.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradeassist.api.metrics import ApiMetrics

__all__ = ["BodySizeLimit", "RequestMetrics"]


class BodySizeLimit:
    """Answers 413 (JSON) to request bodies over ``max_bytes``, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"request body larger than {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                body = json.dumps({"detail": message, "code": "too_large"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            received = await receive()
            if received["type"] == "http.request":
                seen += len(received.get("body", b""))
                if seen > self.max_bytes:
                    # FastAPI re-raises an HTTPException met while reading the body,
                    # so the one error handler answers it as JSON.
                    raise HTTPException(status_code=413, detail=message)
            return received

        await self.app(scope, limited, send)


class RequestMetrics:
    """Times every HTTP request and records it under its route template."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route: Any = scope.get("route")
            # Unmatched paths share one label so random URLs cannot explode the cardinality.
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - start)
