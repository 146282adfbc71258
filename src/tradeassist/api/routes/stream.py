"""Live streams: every alert, and each user's own notifications.

``WS /ws/alerts`` and ``GET /sse/alerts`` (Server-Sent Events) filter by symbol
and type, resume after a last-seen id (``?after_id=``, or SSE's
``Last-Event-ID`` header) with no gap and no duplicate. WebSocket messages are
JSON: ``{"type": "alert", "data": AlertPublic}``, ``{"type": "heartbeat"}`` and,
before a server-side close, ``{"type": "error", "detail": ...}``.

``WS /ws/notifications`` and ``GET /sse/notifications`` carry what the signed-in
user's subscriptions (with the ``websocket`` channel) matched, to that user
only, while connected (no replay): ``{"type": "alert", "alert_id": ..., "alert":
{...}, "subscriptions": [{"id": ..., "name": ...}]}`` (see
:func:`~tradeassist.notify.channels.websocket.notice_message`), and heartbeats.

All take the token as ``?token=`` or in the ``Authorization`` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, WebSocket
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.requests import HTTPConnection, Request
from starlette.websockets import WebSocketDisconnect, WebSocketState

from tradeassist.api.deps import StateDep, identify
from tradeassist.api.errors import error_response, status_for
from tradeassist.api.live import LastIdFn, ReplayFn, follow_alerts, with_heartbeats
from tradeassist.api.schemas.alerts import StreamParams
from tradeassist.api.schemas.common import ERROR_RESPONSES
from tradeassist.api.state import ApiState
from tradeassist.api.tokens import Identity
from tradeassist.bus.base import BusClosed
from tradeassist.errors import AuthError, InputError, NotConfiguredError, TradeAssistError
from tradeassist.notify.channels.websocket import UserInbox, UserPushHub
from tradeassist.store.alert_queries import AlertFilter, alerts_after, last_alert_id
from tradeassist.store.alerts import StoredAlert
from tradeassist.store.database import storage_errors

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["stream"])


def _params(query: Mapping[str, str], last_event_id: str | None = None) -> StreamParams:
    known = {k: v for k, v in query.items() if k in StreamParams.model_fields}
    try:
        params = StreamParams.model_validate(known)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InputError(f"{where}: {first.get('msg', 'invalid')}") from None
    if last_event_id:
        # EventSource sends the last id it saw when it reconnects: that is the resume point.
        if not last_event_id.isdigit() or len(last_event_id) > 19:
            raise InputError("Last-Event-ID must be an alert id")
        params = params.model_copy(update={"after_id": int(last_event_id)})
    return params


async def _admit(conn: HTTPConnection, state: ApiState) -> Identity | None:
    caller = await identify(conn, state, allow_query_token=True)
    if caller is None and not state.settings.public_alerts:
        raise AuthError("credentials required to read alerts")
    return caller


def _store_reads(state: ApiState) -> tuple[ReplayFn, LastIdFn]:
    """Reads of the store a live stream resumes from: alerts after an id; the last id."""

    async def replay(after_id: int, limit: int, filt: AlertFilter) -> list[StoredAlert]:
        async with (
            storage_errors(state.database_url, "read alerts"),
            state.read_engine.connect() as conn,
        ):
            return await alerts_after(conn, after_id, limit, filt)

    async def last_id() -> int:
        async with (
            storage_errors(state.database_url, "read alerts"),
            state.read_engine.connect() as conn,
        ):
            return await last_alert_id(conn)

    return replay, last_id


def _feed(state: ApiState, params: StreamParams) -> AsyncGenerator[StoredAlert, None]:
    replay, last_id = _store_reads(state)
    return follow_alerts(
        state.bus,
        replay,
        last_id,
        params.to_filter(),
        after_id=params.after_id,
        page_size=state.stream.page_size,
    )


@router.websocket("/ws/alerts")
async def alerts_websocket(websocket: WebSocket, state: StateDep) -> None:
    """Each new alert as it is stored; ``?symbol=&alert_type=&after_id=&token=``."""
    try:
        params = _params(websocket.query_params)
        await _admit(websocket, state)
    except TradeAssistError as exc:
        await _deny(websocket, exc)
        return
    await websocket.accept()
    gauge = state.metrics.stream_clients.labels("websocket")
    gauge.inc()
    try:
        await _converse(websocket, _send_alerts(websocket, state, params))
    finally:
        gauge.dec()


async def _converse(websocket: WebSocket, sending: Coroutine[Any, Any, None]) -> None:
    """Run ``sending`` until it ends or the client leaves, whichever comes first."""
    reader = asyncio.create_task(_until_disconnect(websocket))
    writer = asyncio.create_task(sending)
    try:
        await asyncio.wait((reader, writer), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (reader, writer):
            task.cancel()
        results = await asyncio.gather(reader, writer, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, WebSocketDisconnect):
            log.debug("websocket stream ended: %r", result)


async def _until_disconnect(websocket: WebSocket) -> None:
    # Clients have nothing to say; reading is how a close from their side is noticed.
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _heartbeats(
    websocket: WebSocket, lock: asyncio.Lock, every: float, last: list[float]
) -> None:
    # A task of its own, so the alert loop never waits on a timer (fan-out to
    # thousands of clients is a few microseconds each that way).
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(max(0.0, last[0] + every - loop.time()))
        if loop.time() - last[0] >= every:
            async with lock:
                await websocket.send_text('{"type":"heartbeat"}')
            last[0] = loop.time()


async def _send_alerts(websocket: WebSocket, state: ApiState, params: StreamParams) -> None:
    # Through the process's one fan-out (see api/broadcast.py), heartbeats included.
    replay, last_id = _store_reads(state)
    try:
        await state.broadcast.stream(
            websocket.send, params.to_filter(), replay, last_id, after_id=params.after_id
        )
    except (TradeAssistError, BusClosed) as exc:
        await _close_with_error(websocket, exc)


async def _close_with_error(websocket: WebSocket, exc: TradeAssistError | BusClosed) -> None:
    detail = exc.message if isinstance(exc, TradeAssistError) else "server shutting down"
    if websocket.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await websocket.send_json({"type": "error", "detail": detail})
            # 1011: internal error (store down); 1012: service restart.
            await websocket.close(code=1012 if isinstance(exc, BusClosed) else 1011)


async def _send_texts(websocket: WebSocket, texts: AsyncIterator[str], every: float) -> None:
    """Send each of ``texts``, a heartbeat after ``every`` seconds without one, and
    an error message and a close when ``texts`` fails."""
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    last = [loop.time()]
    beats = asyncio.create_task(_heartbeats(websocket, lock, every, last))
    try:
        async for text in texts:
            async with lock:
                await websocket.send_text(text)
            last[0] = loop.time()
    except (TradeAssistError, BusClosed) as exc:
        await _close_with_error(websocket, exc)
    finally:
        beats.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await beats


async def _deny(websocket: WebSocket, exc: TradeAssistError) -> None:
    status, code = status_for(exc)
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        headers = {"Retry-After": getattr(exc, "retry_after", "1")} if status == 429 else None
        await websocket.send_denial_response(error_response(status, exc.message, code, headers))
        return
    # Without the denial extension the status travels as a 4xxx close code.
    await websocket.close(code=4000 + status, reason=exc.message[:120])


async def _admit_sse(
    request: Request,
    state: StateDep,
    _params_doc: Annotated[StreamParams, Query()],
) -> None:
    await _admit(request, state)


@router.get(
    "/sse/alerts",
    response_class=StreamingResponse,
    responses={
        **ERROR_RESPONSES,
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Events `alert` (data: AlertPublic JSON, id: alert id); comments as "
            "keep-alives.",
        },
    },
    dependencies=[Depends(_admit_sse)],
)
async def alerts_sse(
    request: Request,
    state: StateDep,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
) -> StreamingResponse:
    """The live alert feed as Server-Sent Events (``Last-Event-ID`` resumes)."""
    params = _params(request.query_params, last_event_id)
    sent = state.metrics.alerts_streamed.labels("sse")
    gauge = state.metrics.stream_clients.labels("sse")

    async def events() -> AsyncIterator[str]:
        gauge.inc()
        try:
            yield "retry: 2000\n: connected\n\n"
            feed = with_heartbeats(_feed(state, params), state.stream.heartbeat_seconds)
            async with contextlib.aclosing(feed):
                async for stored in feed:
                    if stored is None:
                        yield ": keep-alive\n\n"
                        continue
                    sent.inc()
                    yield f"id: {stored.id}\nevent: alert\ndata: {state.alert_json(stored)}\n\n"
        except (TradeAssistError, BusClosed) as exc:
            detail = exc.message if isinstance(exc, TradeAssistError) else "server shutting down"
            yield f"event: error\ndata: {detail}\n\n"
        finally:
            gauge.dec()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _admit_user(conn: HTTPConnection, state: ApiState) -> tuple[Identity, UserPushHub]:
    """The signed-in caller, and the hub their notices are pushed to (not yet connected)."""
    caller = await identify(conn, state, allow_query_token=True)
    if caller is None:
        raise AuthError("credentials required: your notifications need a token or an X-API-Key")
    if state.notify is None:
        raise NotConfiguredError("notifications are off: the notifier does not run in this API")
    return caller, state.notify.hub


async def _notice_texts(inbox: UserInbox) -> AsyncIterator[str]:
    async for message in inbox:
        yield json.dumps(message, separators=(",", ":"))


@router.websocket("/ws/notifications")
async def notifications_websocket(websocket: WebSocket, state: StateDep) -> None:
    """What the caller's subscriptions with the ``websocket`` channel match; ``?token=``."""
    try:
        caller, hub = await _admit_user(websocket, state)
    except TradeAssistError as exc:
        await _deny(websocket, exc)
        return
    # Connected to the hub before the handshake completes: nothing matched after it is lost.
    async with hub.connect(caller.user_id) as inbox:
        await websocket.accept()
        await _converse(
            websocket,
            _send_texts(websocket, _notice_texts(inbox), state.stream.heartbeat_seconds),
        )


@router.get(
    "/sse/notifications",
    response_class=StreamingResponse,
    responses={
        **ERROR_RESPONSES,
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Events `alert` (data: the alert, its id and the matching "
            "subscriptions, as JSON); comments as keep-alives.",
        },
    },
)
async def notifications_sse(
    request: Request,
    state: StateDep,
    token: Annotated[
        str | None, Query(max_length=8192, description="A bearer token (or the header).")
    ] = None,
) -> StreamingResponse:
    """What the caller's subscriptions with the ``websocket`` channel match, as they match."""
    caller, hub = await _admit_user(request, state)
    every = state.stream.heartbeat_seconds

    async def events() -> AsyncIterator[str]:
        async with hub.connect(caller.user_id) as inbox:
            yield "retry: 2000\n: connected\n\n"
            while True:
                try:
                    async with asyncio.timeout(every):
                        message = await inbox.get()
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: alert\ndata: {json.dumps(message, separators=(',', ':'))}\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
