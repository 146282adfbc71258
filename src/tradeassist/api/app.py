"""The app factory: ``create_app(settings, ...)`` builds one FastAPI app.

Dependencies (engine, bus, token verifier, rate limiter, notifier) are built
in the app's lifespan, or injected by the caller (``tradeassist run`` passes
the in-process bus its screener publishes on, and its trade desk), and reach
the routes through ``Depends`` (see :mod:`tradeassist.api.deps`). Routers are
all included when the app is built; what they need is resolved from the
app's state per request. Nothing lives at module level.

The bus: the one given; else Redis Streams with ``REDIS_URL``; else a
follower of new alert rows in the database. Background work (the notifier,
live grading) runs beside the requests: see :mod:`tradeassist.api.background`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

import tradeassist
from tradeassist.api.auth import Authenticator
from tradeassist.api.background import Background
from tradeassist.api.broadcast import AlertBroadcaster
from tradeassist.api.embedded import jwt_secret
from tradeassist.api.errors import install_error_handlers
from tradeassist.api.jwks import JwksSource
from tradeassist.api.live import AlertJson
from tradeassist.api.metrics import ApiMetrics, ScreenerProbe
from tradeassist.api.middleware import BodySizeLimit, RequestMetrics
from tradeassist.api.page_cache import PageCache
from tradeassist.api.ratelimit import RateLimit, RateLimiter
from tradeassist.api.routes import (
    admin,
    alerts,
    health,
    metrics,
    outbox,
    phone,
    stream,
    subscriptions,
    symbols,
    trades,
    users,
)
from tradeassist.api.state import ApiState, StreamOptions
from tradeassist.api.tokens import TokenVerifier
from tradeassist.bus.base import AlertBus
from tradeassist.bus.follower import DatabaseFollowerBus
from tradeassist.domain.trading import TradeDesk
from tradeassist.errors import ConfigError, StorageError
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.service import NotifyServices, build_notify
from tradeassist.notify.webhooks import build_sms_router
from tradeassist.settings import Settings
from tradeassist.store.alert_queries import AlertPageReader, StoreAlertSource
from tradeassist.store.database import create_engine, is_postgres, session_factory

__all__ = ["create_app", "tcp_check"]

log = logging.getLogger(__name__)

API_DESCRIPTION = """
**Auth**: `Authorization: Bearer <JWT>` (Supabase-style: `aud` = `authenticated`,
`sub`, `exp`) or `X-API-Key: <key>`. Live streams also take `?token=`.

**Live alerts over WebSocket** (not listed below, as OpenAPI has no WebSockets):
`GET /ws/alerts?symbol=&alert_type=&after_id=&token=`. Messages are JSON:
`{"type": "alert", "data": AlertPublic}`, `{"type": "heartbeat"}`, and
`{"type": "error", "detail": ...}` before the server closes. With `after_id`, stored
alerts after it are replayed first, then live ones: no gap, no duplicate. Refused
handshakes answer 401 or 429 with the usual JSON error.

**Your notifications** (alerts your subscriptions with the `websocket` channel match,
only to you, while connected): `GET /ws/notifications?token=` (WebSocket) or
`GET /sse/notifications` (Server-Sent Events, event `alert`). Messages are JSON:
`{"type": "alert", "alert_id": 12, "alert": {...}, "subscriptions": [{"id": 3, "name":
"gaps"}]}` and heartbeats as above. 401 without credentials; 503 when the notifier is off.

**Paging**: alert ids are ordered by commit; pass `next_cursor` back as `cursor`.

**Twilio webhooks** (not listed below: only Twilio calls them): `POST /sms/webhook`
(inbound texts, answered with TwiML) and `POST /sms/status` (delivery receipts),
form-encoded and signed with `X-Twilio-Signature` against `TRADEASSIST_PUBLIC_URL`
plus the path: 403 when the signature does not match, 503 without `TWILIO_AUTH_TOKEN`.
"""

#: Paths whose successful writes change who gets which alert: the notifier re-reads then.
_NOTIFY_CHANGES = ("/users/me/subscriptions", "/users/me/phone", "/admin/users")


def tcp_check(address: str, timeout: float = 2.0) -> Callable[[], Awaitable[None]]:
    """A readiness probe that opens (and closes) a TCP connection to ``host:port``."""
    host, _, port_text = address.rpartition(":")
    if not host or not port_text.isdigit():
        raise ConfigError(f"TEMPORAL_ADDRESS must be host:port, not {address!r}")
    port = int(port_text)

    async def probe() -> None:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError):
            raise StorageError(f"nothing answers at {address}") from None
        writer.close()

    return probe


def _engine_options(url: str) -> dict[str, Any]:
    if not is_postgres(url):
        return {"pool_pre_ping": False}
    return {"pool_pre_ping": False, "pool_size": 20, "max_overflow": 20, "pool_timeout": 10}


def _own_bus(
    settings: Settings,
    reads: AsyncEngine,
    database_url: str,
    poll: float,
    reader: AlertPageReader | None,
) -> AlertBus:
    if settings.redis_url:
        from tradeassist.bus.redis_streams import RedisStreamBus

        return RedisStreamBus(settings.redis_url, stream=settings.redis_stream)
    return DatabaseFollowerBus(StoreAlertSource(reads, database_url, reader), poll_seconds=poll)


def _notifier_of(holder: Request | FastAPI) -> NotifyServices | None:
    app = holder.app if isinstance(holder, Request) else holder
    state = getattr(app.state, "api", None)
    return state.notify if isinstance(state, ApiState) else None


class _ReloadOnChange:
    """A successful write to subscriptions, phones or users: the notifier re-reads them.

    Before the response goes out (the route's transaction has committed by
    then), so an alert right after the response already finds the change.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or not scope["path"].startswith(_NOTIFY_CHANGES)
        ):
            await self.app(scope, receive, send)
            return

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start" and int(message["status"]) < 400:
                notify = _notifier_of(scope["app"])
                if notify is not None:
                    try:
                        await notify.reload()
                    except Exception as exc:  # the periodic reload catches up
                        log.warning("notifier reload failed: %s", type(exc).__name__)
            await send(message)

        await self.app(scope, receive, sending)


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    bus: AlertBus | None = None,
    screener: ScreenerProbe | None = None,
    rate_limit: RateLimit | None = None,
    max_body_bytes: int | None = None,
    jwks: str | None = None,
    static_dir: Path | None = None,
    clock_ns: Callable[[], int] = time.time_ns,
    market_clock_ns: Callable[[], int] | None = None,
    temporal_check: Callable[[], Awaitable[None]] | None = None,
    bus_poll_seconds: float | None = None,
    stream_options: StreamOptions | None = None,
    page_cache_seconds: float = 1.0,
    desk: TradeDesk | None = None,
    notifier: bool | None = None,
) -> FastAPI:
    """The API app.

    ``engine`` and ``bus`` are used as given (and not closed) when passed;
    otherwise the app opens ``settings``' database and follows new alert rows
    in it (``bus_poll_seconds`` apart). ``jwks`` is a JWKS URL or file for
    asymmetric tokens; ``static_dir`` (the dashboard's export) is served at
    ``/`` behind every API route. ``clock_ns`` is the wall clock (UTC ns); ``market_clock_ns``
    the market's (default: the wall clock; a simulated day passes its own).
    Alert pages are cached until the bus delivers a newer alert, at most
    ``page_cache_seconds`` (0: no cache). ``notifier`` (default: the setting
    ``TRADEASSIST_NOTIFIER``) runs the notifier and serves the SMS webhooks and
    phone verification; ``desk`` is where texted trade commands go (default:
    a desk that only records them; ``tradeassist run`` passes the Temporal one).
    """
    limit = rate_limit or RateLimit(
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
    )
    body_limit = max_body_bytes or settings.max_body_bytes
    jwks_location = jwks or settings.jwks_url
    poll = bus_poll_seconds or settings.bus_poll_seconds
    probe_temporal = temporal_check or (
        tcp_check(settings.temporal_address) if settings.temporal_address else None
    )
    api_metrics = ApiMetrics(screener)
    database_url = settings.resolved_database_url
    notifying = settings.notifier if notifier is None else notifier
    notify_metrics = NotifyMetrics(api_metrics.registry) if notifying else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        # No pre-ping: it costs a round trip per request (~0.7 ms, more than the query).
        # After a database restart the first request fails (503) and the pool is
        # invalidated at once, so the next ones reconnect.
        # A pool as large as the work in flight: an overflow connection is opened and
        # closed per request, and a new PostgreSQL backend costs milliseconds.
        db = (
            engine
            if engine is not None
            else create_engine(database_url, **_engine_options(database_url))
        )
        sessions = session_factory(db)
        # The same pool in autocommit: single-statement reads skip BEGIN and ROLLBACK.
        reads = db.execution_options(isolation_level="AUTOCOMMIT")
        # Only with the app's own engine: an injected one may be a test's or run's to manage.
        page_reader = await AlertPageReader.open(database_url) if own_engine else None
        own_bus = bus is None
        alert_bus: AlertBus = (
            bus if bus is not None else _own_bus(settings, reads, database_url, poll, page_reader)
        )
        notify = (
            build_notify(settings=settings, sessions=sessions, metrics=notify_metrics, desk=desk)
            if notifying
            else None
        )
        background = Background()
        streams = stream_options or StreamOptions()
        alert_json = AlertJson()
        broadcast = AlertBroadcaster(
            alert_bus,
            alert_json,
            heartbeat_seconds=streams.heartbeat_seconds,
            page_size=streams.page_size,
            on_sent=api_metrics.alerts_streamed.labels("websocket").inc,
        )
        verifier = TokenVerifier(
            secret=jwt_secret(settings),
            jwks=JwksSource(str(jwks_location)) if jwks_location else None,
        )
        try:
            if own_bus:
                await alert_bus.start()
            app.state.api = ApiState(
                settings=settings,
                database_url=database_url,
                engine=db,
                read_engine=reads,
                sessions=sessions,
                bus=alert_bus,
                auth=Authenticator(verifier, sessions, database_url=database_url),
                limiter=RateLimiter(limit),
                metrics=api_metrics,
                clock_ns=clock_ns,
                market_clock_ns=market_clock_ns or clock_ns,
                stream=streams,
                alert_json=alert_json,
                page_cache=PageCache(ttl_seconds=page_cache_seconds),
                broadcast=broadcast,
                page_reader=page_reader,
                screener=screener,
                temporal_check=probe_temporal,
                notify=notify,
                background=background,
            )
            if notify is not None:
                await background.start_notifier(notify, settings, alert_bus, own_bus=own_bus)
            background.start_grading(
                sessions,
                interval_seconds=settings.grade_interval_seconds,
                clock_ns=market_clock_ns or clock_ns,
            )
            yield
        finally:
            await background.close()
            await broadcast.close()
            app.state.api = None
            if notify is not None:
                await notify.aclose()
            if own_bus:
                await alert_bus.close()
            if page_reader is not None:
                await page_reader.close()
            if own_engine:
                await db.dispose()

    app = FastAPI(
        title="tradeassist",
        version=tradeassist.__version__,
        summary="Real-time alerts for US stocks: REST, WebSocket and Server-Sent Events.",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=body_limit)
    app.add_middleware(RequestMetrics, metrics=api_metrics)
    for module in (health, metrics, alerts, stream, symbols, users, subscriptions, trades, admin):
        app.include_router(module.router)
    app.include_router(outbox.router)
    if notifying:
        app.add_middleware(_ReloadOnChange)
        app.include_router(phone.router)
        app.include_router(build_sms_router(_notifier_of))
    if static_dir is not None:
        # Last, so every API route wins over a file of the same name.
        app.mount("/", StaticFiles(directory=static_dir, html=True), name="dashboard")
    return app
