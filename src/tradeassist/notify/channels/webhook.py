"""The ``webhook`` channel: each matching alert POSTed as JSON to the subscription's URL.

The body is signed: ``X-TradeAssist-Signature: sha256=<hex>`` is the
HMAC-SHA256 of the exact body bytes with the subscription's secret, so the
receiver can check it came from us (compare in constant time). Failures
worth retrying (network errors, timeouts, 408, 429, 5xx) are retried with
exponential backoff; other 4xx answers are final. Every delivery of a
stored alert is recorded in ``webhook_deliveries`` (attempts, last error,
delivered time), and an alert already delivered to a subscription is not
sent to it again; one from the delivery ledger is settled there with its
final attempt, so a crash mid-delivery has it retried after a restart
(at least once: receivers dedupe on ``alert_id`` + ``subscription_id``).
Deliveries run in the background (at most
``webhook_concurrency`` at once), so a slow receiver never holds up alerts.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.matching import SubscriptionSpec
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.model import AlertRef, Notice
from tradeassist.store.deliveries import begin_delivery, record_attempt
from tradeassist.store.notify_deliveries import DeliveryKey, mark_sent

__all__ = ["SIGNATURE_HEADER", "WebhookChannel", "sign"]

_log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-TradeAssist-Signature"


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for ``body``: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _retryable(status: int) -> bool:
    return status in (408, 425, 429) or status >= 500


class WebhookChannel:
    """Signs, posts, retries and records; ``drain()`` waits for deliveries in flight."""

    name = "webhook"

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        client: httpx.AsyncClient,
        config: NotifyConfig | None = None,
        metrics: NotifyMetrics | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._config = config or NotifyConfig()
        self._metrics = metrics
        self._sleep = sleep
        self._slots = asyncio.Semaphore(self._config.webhook_concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    async def deliver(self, notice: Notice) -> None:
        for sub in notice.subscriptions:
            if sub.webhook_url:
                task = asyncio.create_task(self._deliver(sub, notice.alerts[0], notice.ledger))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every delivery started so far has finished (delivered or given up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, sub: SubscriptionSpec, ref: AlertRef, ledger: bool) -> None:
        async with self._slots:
            try:
                await self._attempts(sub, ref, ledger)
            except Exception:  # a broken receiver or database must not kill the notifier
                _log.exception("webhook delivery to subscription %s failed", sub.id)

    async def _attempts(self, sub: SubscriptionSpec, ref: AlertRef, ledger: bool) -> None:
        delivery_id: int | None = None
        owed = None
        if ref.id is not None and ledger:  # settled in the ledger with the final attempt
            owed = DeliveryKey(ref.id, sub.user_id, "webhook", sub.id)
        if ref.id is not None:
            async with self._sessions() as session, session.begin():
                delivery_id = await begin_delivery(
                    session, user_id=sub.user_id, subscription_id=sub.id, alert_id=ref.id
                )
                if delivery_id is None and owed is not None:
                    await mark_sent(session, [owed], at=datetime.now(UTC))
            if delivery_id is None:
                return  # already delivered (a replay, a restart)
        body = self._body(sub, ref)
        headers = {"Content-Type": "application/json", "User-Agent": "tradeassist-webhook"}
        if sub.webhook_secret:
            headers[SIGNATURE_HEADER] = sign(body, sub.webhook_secret)
        cfg = self._config
        for attempt in range(1, cfg.webhook_max_attempts + 1):
            error, retry = await self._post(sub.webhook_url or "", body, headers)
            final = error is None or not retry or attempt == cfg.webhook_max_attempts
            status = "delivered" if error is None else ("failed" if final else "pending")
            if delivery_id is not None:
                async with self._sessions() as session, session.begin():
                    await record_attempt(
                        session,
                        delivery_id=delivery_id,
                        status=status,
                        attempts=attempt,
                        error=error,
                        delivered_at=datetime.now(UTC) if error is None else None,
                    )
                    if final and owed is not None:
                        await mark_sent(session, [owed], at=datetime.now(UTC))
            if self._metrics is not None:
                self._metrics.webhooks.labels(status).inc()
            if final:
                return
            await self._sleep(cfg.webhook_backoff_seconds * 2 ** (attempt - 1))

    async def _post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[str | None, bool]:
        """(None, _) on a 2xx answer, else (the error, whether to retry)."""
        try:
            response = await self._client.post(
                url, content=body, headers=headers, timeout=self._config.webhook_timeout_seconds
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: could not reach the receiver", True
        if 200 <= response.status_code < 300:
            return None, False
        return f"HTTP {response.status_code}", _retryable(response.status_code)

    @staticmethod
    def _body(sub: SubscriptionSpec, ref: AlertRef) -> bytes:
        payload: dict[str, Any] = {
            "type": "alert",
            "alert_id": ref.id,
            "subscription_id": sub.id,
            "alert": ref.alert.to_json_dict(),
            "sent_at": datetime.now(UTC).isoformat(),
        }
        return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
