"""Outbound texts through the official ``twilio`` library (``twilio.rest.Client``, async).

The client runs on the library's own aiohttp-based ``AsyncTwilioHttpClient``,
with one change: ``api_base`` (a proxy, or a loopback server in tests) can
replace the scheme and host of every request. Nothing else differs from
talking to Twilio itself: the same request, the same authentication, the
same response parsing and errors. The auth token never appears in an error
message.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from tradeassist.notify.sms.transport import SendError, SendResult

__all__ = ["RebasedHttpClient", "TwilioTransport"]


class RebasedHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Twilio's async HTTP client, sending to ``api_base`` instead of ``*.twilio.com``."""

    def __init__(self, *, api_base: str | None, timeout_seconds: float) -> None:
        # pool_connections=False: the library would open a session without our timeout.
        super().__init__(pool_connections=False)
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds))
        self._base = urlsplit(api_base.rstrip("/")) if api_base else None

    def _rebase(self, url: str) -> str:
        if self._base is None:
            return url
        parts = urlsplit(url)
        path = self._base.path + parts.path
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        return await super().request(method, self._rebase(url), *args, **kwargs)


def _is_retryable(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


class TwilioTransport:
    """Sends texts from ``from_number``; delivery receipts go to ``status_callback``."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        status_callback: str | None = None,
        api_base: str | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._sid = account_sid
        self._token = auth_token
        self._from = from_number
        self._callback = status_callback
        self._base = api_base
        self._timeout = timeout_seconds
        self._client: Any = None
        self._http: RebasedHttpClient | None = None

    @property
    def from_number(self) -> str:
        return self._from

    def _ensure_client(self) -> Any:
        # Built on first use: aiohttp sessions belong to a running event loop.
        if self._client is None:
            self._http = RebasedHttpClient(api_base=self._base, timeout_seconds=self._timeout)
            self._client = Client(self._sid, self._token, http_client=self._http)
        return self._client

    async def send(self, *, to: str, body: str) -> SendResult:
        """Create the message at Twilio; raises :class:`SendError`."""
        client = self._ensure_client()
        options: dict[str, Any] = {"to": to, "from_": self._from, "body": body}
        if self._callback:
            options["status_callback"] = self._callback
        try:
            async with asyncio.timeout(self._timeout + 1.0):
                message = await client.messages.create_async(**options)
        except TwilioRestException as exc:
            code = str(exc.code) if exc.code is not None else str(exc.status)
            reason = str(exc.msg).splitlines()[0] if exc.msg else f"HTTP {exc.status}"
            raise SendError(reason, retryable=_is_retryable(exc.status), code=code) from None
        except TwilioServiceException as exc:
            raise SendError(
                str(exc.title), retryable=_is_retryable(exc.status), code=str(exc.code)
            ) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendError(f"Twilio unreachable: {type(exc).__name__}", retryable=True) from None
        return SendResult(
            sid=str(message.sid),
            status=str(message.status or "queued"),
            from_number=str(message.from_) if message.from_ else self._from,
        )

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
            self._client = None
