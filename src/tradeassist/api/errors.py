"""Every error as JSON ``{"detail": message, "code": name}``: one mapping, no traces.

The ``tradeassist.errors`` hierarchy maps to statuses here; HTTP and
validation errors keep their status with a readable message; anything else is
logged with its trace and answered 500 with a fixed message.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradeassist.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    FeedError,
    InputError,
    NotConfiguredError,
    NotFoundError,
    StorageError,
    TradeAssistError,
)

__all__ = [
    "ForbiddenError",
    "RateLimitedError",
    "error_response",
    "install_error_handlers",
    "status_for",
]

log = logging.getLogger(__name__)


class ForbiddenError(AuthError):
    """The caller is known but may not do this (e.g. not an admin)."""


class RateLimitedError(TradeAssistError):
    """The caller sent more requests than its rate limit allows."""

    def __init__(self, retry_after: str) -> None:
        super().__init__(f"rate limit exceeded; retry after {retry_after} s")
        self.retry_after = retry_after


# Most specific first: the first isinstance match wins.
_STATUS: tuple[tuple[type[TradeAssistError], int, str], ...] = (
    (ForbiddenError, 403, "forbidden"),
    (AuthError, 401, "unauthorized"),
    (RateLimitedError, 429, "rate_limited"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (InputError, 400, "invalid_input"),
    (NotConfiguredError, 503, "not_configured"),
    (StorageError, 503, "storage_unavailable"),
    (FeedError, 503, "feed_unavailable"),
    (ConfigError, 500, "misconfigured"),
)


def status_for(exc: TradeAssistError) -> tuple[int, str]:
    """The HTTP status and error code for one of our errors."""
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return 500, "error"


def error_response(
    status: int, message: str, code: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The one JSON error shape."""
    body: dict[str, Any] = {"detail": message, "code": code, **extra}
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


async def _on_ours(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TradeAssistError)
    status, code = status_for(exc)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = exc.retry_after
    return error_response(status, exc.message, code, headers)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
        exc.status_code, "http_error"
    )
    return error_response(exc.status_code, message, code, dict(exc.headers or {}))


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Echo where and what, never the rejected input (it could be large or secret).
    problems = [
        {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "invalid"))}
        for err in exc.errors()
    ]
    first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"][1:] if len(first["loc"]) > 1 else first["loc"])
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return error_response(422, message, "invalid_request", errors=problems)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal server error", "internal")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(TradeAssistError, _on_ours)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_unexpected)
