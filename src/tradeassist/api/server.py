"""Run the API under Uvicorn: ``serve(settings=..., host=..., port=...)`` blocks."""

from __future__ import annotations

import gc
import logging
import resource
import socket
from typing import Any

import uvicorn

from tradeassist.api.app import create_app
from tradeassist.api.log_redaction import install_token_redaction
from tradeassist.settings import Settings

__all__ = ["build_server", "raise_open_file_limit", "serve"]

log = logging.getLogger(__name__)


def raise_open_file_limit() -> int:
    """Raise the soft open-file limit to the hard one (each WebSocket is a file); the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # An unlimited hard limit still has a kernel ceiling; a million descriptors is plenty.
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open-file limit: %s", exc)
    return soft


class _Server(uvicorn.Server):
    """Uvicorn's server, with the start-up heap frozen out of the garbage collector.

    After start-up the heap holds a few hundred thousand long-lived objects
    (FastAPI, SQLAlchemy, pydantic, the app's state). Each full collection
    walked them all: 150 ms of CPU here, stalling every request and every
    WebSocket send behind it. Frozen, a full collection sees only what was
    made since.
    """

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        gc.collect()
        gc.freeze()


def build_server(*, settings: Settings, host: str, port: int, **app_options: Any) -> uvicorn.Server:
    """A Uvicorn server for the app, to ``await server.serve()`` in a running event loop.

    For ``tradeassist run``, which shares its loop with the screener: pass the
    in-process bus as ``bus=``, the screener's status as ``screener=`` (readiness
    then checks the feed), the trade desk texted commands go to as ``desk=``
    (a ``TradeDesk``, e.g. the Temporal one) and the dashboard as ``static_dir=``;
    every option goes to :func:`~tradeassist.api.app.create_app`.
    """
    raise_open_file_limit()
    config = uvicorn.Config(
        create_app(settings, **app_options),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        # A line per request costs more than some requests; kept at debug level.
        access_log=settings.log_level.upper() == "DEBUG",
        lifespan="on",
        # Alerts are small JSON: compressing each one for each client costs more
        # CPU than the bytes saved on a fan-out to thousands of sockets.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=10,
        server_header=False,
    )
    # After Config, which (re)configures Uvicorn's loggers.
    install_token_redaction("uvicorn.error", "uvicorn.access")
    return _Server(config)


def serve(*, settings: Settings, host: str, port: int, **app_options: Any) -> None:
    """Serve the API (and the dashboard, with ``static_dir=``) until SIGINT/SIGTERM."""
    build_server(settings=settings, host=host, port=port, **app_options).run()
