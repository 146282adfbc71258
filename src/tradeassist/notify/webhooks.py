"""Twilio's webhooks: ``POST /sms/webhook`` (inbound texts) and ``POST /sms/status`` (receipts).

Both check ``X-Twilio-Signature`` with the official ``RequestValidator`` and
``TWILIO_AUTH_TOKEN`` against the address Twilio calls, ``TRADEASSIST_PUBLIC_URL``
+ the path (not the address the request arrived at, which a proxy changes):
403 when it does not match, 503 when no auth token is set. The inbound
answer is TwiML (the reply, or an empty ``<Response/>``); a redelivered
``MessageSid`` is accepted once and answered with nothing the second time.
Receipts update ``sms_messages.status`` and feed the delivery-rate metric.
Only Twilio calls them, form-encoded and signed: they are left out of the
OpenAPI schema the dashboard's client and the schema fuzzing are built from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from tradeassist.notify.inbound import InboundHandler, InboundSms
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.settings import Settings
from tradeassist.store.sms import update_status

__all__ = ["MAX_BODY_BYTES", "SmsBackend", "build_sms_router", "twiml"]

#: Twilio's webhook bodies are a few hundred bytes; anything far larger is not Twilio.
MAX_BODY_BYTES = 64 * 1024
_XML = "application/xml"


def twiml(reply: str | None) -> str:
    """The TwiML answer: one ``<Message>`` with the reply, or an empty response."""
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)


class SmsBackend(Protocol):
    """What the webhooks need (``NotifyServices`` has it all)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def inbound(self) -> InboundHandler: ...

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def metrics(self) -> NotifyMetrics: ...


def build_sms_router(resolve: Callable[[Request], SmsBackend | None]) -> APIRouter:
    """The router with both webhooks; ``resolve`` finds the backend of each request.

    The app includes the router when it is built and resolves the notifier its
    lifespan started from the app's state; None (not started) answers 503.
    """
    router = APIRouter(prefix="/sms", tags=["sms"])

    async def verified(request: Request, path: str) -> tuple[SmsBackend, dict[str, str]] | Response:
        backend = resolve(request)
        token = None if backend is None else backend.settings.twilio_auth_token
        if backend is None or token is None or not token.get_secret_value():
            return JSONResponse({"detail": "SMS is not configured"}, status_code=503)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"detail": "request body too large"}, status_code=413)
        params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        signature = request.headers.get("X-Twilio-Signature", "")
        validator = RequestValidator(token.get_secret_value())
        url = backend.settings.public_url.rstrip("/") + path
        if not signature or not validator.validate(url, params, signature):
            return JSONResponse({"detail": "invalid Twilio signature"}, status_code=403)
        return backend, params

    @router.post("/webhook", include_in_schema=False, response_class=Response)
    async def receive_sms(request: Request) -> Response:
        """An inbound text from Twilio; answered with TwiML."""
        checked = await verified(request, "/sms/webhook")
        if isinstance(checked, Response):
            return checked
        backend, params = checked
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid:
            return JSONResponse({"detail": "MessageSid is missing"}, status_code=400)
        result = await backend.inbound.handle(
            InboundSms(
                sid=sid,
                from_number=params.get("From", ""),
                to_number=params.get("To", ""),
                body=params.get("Body", ""),
            )
        )
        return Response(twiml(result.reply), media_type=_XML)

    @router.post("/status", status_code=204, response_class=Response, include_in_schema=False)
    async def receive_sms_status(request: Request) -> Response:
        """A delivery receipt from Twilio for a text we sent."""
        checked = await verified(request, "/sms/status")
        if isinstance(checked, Response):
            return checked
        backend, params = checked
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
        if sid and status:
            async with backend.sessions() as session, session.begin():
                change = await update_status(
                    session, sid=sid, status=status, error_code=params.get("ErrorCode") or None
                )
            if change is not None:
                backend.metrics.receipt(change.new)
        return Response(status_code=204)

    return router
