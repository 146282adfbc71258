"""Everything of the notifier, built from the settings and wired together, and its loops.

``build_notify(settings=..., sessions=...)`` gives a :class:`NotifyServices`:
the SMS transport (Twilio when ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``
and ``TWILIO_FROM_NUMBER`` are set, else the console outbox), the queue and
its sender, the core with its channels and its per-user text budget (in
Redis with ``REDIS_URL``, so replicas share one limit; else in memory, see
:func:`text_budget`), the per-user push hub, the parser
(Claude when ``ANTHROPIC_API_KEY`` is set, else the grammar), the
conversation, the inbound handler, phone verification and the router. The
API includes ``services.router()`` (or :func:`build_sms_router` resolving the
services per request); ``services.run(stop, bus)`` runs the loops (sender,
digests, subscription reloads, recovery of deliveries a crash left unsent,
deletion of finished rows past the retention (:mod:`tradeassist.notify.retention`),
alerts from the bus through a :class:`~tradeassist.notify.follow.CursorFeed`,
or from ``feed=``), each batch recorded in the delivery ledger before it is
sent (:mod:`tradeassist.notify.ledger`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

import httpx
from anthropic import AsyncAnthropic
from fastapi import APIRouter
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.bus.base import AlertBus, StoredAlert
from tradeassist.domain.trading import TradeDesk
from tradeassist.notify.autotrade import AutoTradeChannel
from tradeassist.notify.budget import TextBudget, TextRule
from tradeassist.notify.budget_store import BudgetStore, MemoryBudgetStore
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.channels.sms import SmsChannel
from tradeassist.notify.channels.webhook import WebhookChannel
from tradeassist.notify.channels.websocket import UserPushHub, WebSocketChannel
from tradeassist.notify.config import NotifyConfig, config_from_settings
from tradeassist.notify.conversation import Conversation
from tradeassist.notify.core import Delivery, NotifierCore
from tradeassist.notify.desk import RecordingTradeDesk
from tradeassist.notify.directory import load_index
from tradeassist.notify.follow import AlertFeed, CursorFeed
from tradeassist.notify.inbound import InboundHandler
from tradeassist.notify.ledger import Claim, DeliveryLedger
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.model import HeldText, decode_held, encode_held
from tradeassist.notify.parser import CommandParser
from tradeassist.notify.parser.claude import ClaudeParser, claude_client
from tradeassist.notify.parser.grammar import GrammarParser
from tradeassist.notify.redis_budget import RedisBudgetStore
from tradeassist.notify.retention import Retention
from tradeassist.notify.sms.outbox import SmsOutbox
from tradeassist.notify.sms.sender import SmsSender
from tradeassist.notify.sms.transport import SmsTransport
from tradeassist.notify.sms.twilio_transport import TwilioTransport
from tradeassist.notify.sms.verification import PhoneVerifier
from tradeassist.notify.webhooks import build_sms_router
from tradeassist.settings import Settings

__all__ = ["NotifyServices", "build_notify", "sms_transport", "text_budget"]

_log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def sms_transport(
    settings: Settings, config: NotifyConfig, *, stream: TextIO | None = None
) -> SmsTransport:
    """Twilio when all three Twilio settings are present, the console outbox otherwise."""
    token = settings.twilio_auth_token
    if settings.twilio_account_sid and token and settings.twilio_from_number:
        return TwilioTransport(
            account_sid=settings.twilio_account_sid,
            auth_token=token.get_secret_value(),
            from_number=settings.twilio_from_number,
            status_callback=settings.public_url.rstrip("/") + "/sms/status",
            api_base=config.twilio_api_base,
            timeout_seconds=config.twilio_timeout_seconds,
        )
    return ConsoleTransport(stream=stream)


def text_budget(settings: Settings, config: NotifyConfig) -> BudgetStore[HeldText]:
    """Per-user text limits in Redis (shared by replicas) with ``REDIS_URL``, else in memory.

    Redis keys go next to the alert stream (``<stream>:texts:...``), so the
    stream's name keeps deployments sharing one Redis apart.
    """
    window = config.digest_window_seconds
    if settings.redis_url:
        return RedisBudgetStore(
            settings.redis_url,
            rule=TextRule(config.sms_per_minute, timedelta(seconds=window)),
            prefix=f"{settings.redis_stream}:texts:",
            encode=encode_held,
            decode=decode_held,
        )
    return MemoryBudgetStore(TextBudget(config.sms_per_minute, window))


@dataclass(slots=True)
class NotifyServices:
    """The notifier's parts; see the module docstring."""

    settings: Settings
    config: NotifyConfig
    sessions: async_sessionmaker[AsyncSession]
    metrics: NotifyMetrics
    transport: SmsTransport
    outbox: SmsOutbox
    sender: SmsSender
    hub: UserPushHub
    webhooks: WebhookChannel
    core: NotifierCore
    parser: CommandParser
    desk: TradeDesk
    conversation: Conversation
    inbound: InboundHandler
    verifier: PhoneVerifier
    http: httpx.AsyncClient
    ledger: DeliveryLedger
    retention: Retention
    _reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def router(self) -> APIRouter:
        """``POST /sms/webhook`` and ``POST /sms/status``, bound to these services."""
        return build_sms_router(lambda _request: self)

    async def reload(self, user_id: str | None = None) -> None:
        """Re-read subscriptions and users into the core (after any change)."""
        async with self._reload_lock:
            await self.core.replace_index(await load_index(self.sessions))

    async def run(
        self,
        stop: asyncio.Event,
        bus: AlertBus | None = None,
        *,
        feed: AlertFeed | None = None,
    ) -> None:
        """Run the sender, digest, reload and alert loops until ``stop`` is set.

        Alerts come from ``feed``, or from ``bus`` through the store's cursor
        (:class:`~tradeassist.notify.follow.CursorFeed`); with neither, none.
        """
        source = feed if feed is not None else (None if bus is None else self.cursor_feed(bus))
        await self.reload()
        loops = [
            asyncio.create_task(self.sender.run(stop)),
            # A digest cannot be due sooner than its window after the first held alert.
            asyncio.create_task(
                self._every(stop, min(5.0, self.config.digest_window_seconds), self._flush)
            ),
            asyncio.create_task(self._every(stop, self.config.reload_seconds, self.reload)),
        ]
        follower = None if source is None else asyncio.create_task(source.run(self))
        loops.append(
            asyncio.create_task(
                self._every(stop, self.config.delivery_lease_seconds, self._recover, now=True)
            )
        )
        if self.retention.enabled:
            floor = None if source is None else source.floor

            async def prune() -> None:
                await self.retention.prune(floor)

            interval = self.config.retention_interval_seconds
            loops.append(asyncio.create_task(self._every(stop, interval, prune, now=True)))
        try:
            await stop.wait()
        finally:
            if follower is not None and source is not None:
                async with source.working:  # a batch in hand is finished first
                    follower.cancel()
            await asyncio.gather(*loops, *([follower] if follower else []), return_exceptions=True)

    def cursor_feed(self, bus: AlertBus, name: str = "notifier") -> CursorFeed:
        """Alerts from ``bus``, claimed through the store's cursor ``name``."""
        return CursorFeed(bus, self.sessions, name=name)

    async def handle(self, batch: Sequence[StoredAlert]) -> None:
        """Notify everyone a batch of new alerts concerns, in order (recorded, then sent)."""
        recorded = await self.ledger.record(batch)
        if recorded is not None:
            await self.ledger.send(recorded)

    async def record(
        self, batch: Sequence[StoredAlert], *, claim: Claim | None = None
    ) -> list[Delivery] | None:
        """Record what ``batch`` owes (a feed's first step; see :mod:`.ledger`)."""
        return await self.ledger.record(batch, claim=claim)

    async def send(self, recorded: Sequence[object]) -> None:
        """Send what :meth:`record` returned (a feed's second step)."""
        await self.ledger.send([d for d in recorded if isinstance(d, Delivery)])

    async def _flush(self) -> None:
        await self.core.flush_digests()

    async def _recover(self) -> None:
        await self.ledger.recover()

    @staticmethod
    async def _every(
        stop: asyncio.Event,
        seconds: float,
        work: Callable[[], Awaitable[None]],
        *,
        now: bool = False,
    ) -> None:
        if now:
            try:
                await work()
            except Exception:
                _log.exception("notifier loop failed")
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=seconds)
            if stop.is_set():
                return
            try:
                await work()
            except Exception:  # keep looping: the next round may work
                _log.exception("notifier loop failed")

    async def aclose(self) -> None:
        """Wait for webhook deliveries in flight and close the clients."""
        await self.webhooks.drain()
        await self.transport.aclose()
        await self.http.aclose()
        await self.core.aclose()


def build_notify(
    *,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    config: NotifyConfig | None = None,
    registry: CollectorRegistry | None = None,
    metrics: NotifyMetrics | None = None,
    desk: TradeDesk | None = None,
    transport: SmsTransport | None = None,
    anthropic: AsyncAnthropic | None = None,
    http: httpx.AsyncClient | None = None,
    clock: Callable[[], datetime] = _utcnow,
    budget: BudgetStore[HeldText] | None = None,
) -> NotifyServices:
    """Build every part; anything passed in replaces what the settings would choose."""
    cfg = config or config_from_settings(settings)
    metrics = metrics or NotifyMetrics(registry)
    sms = transport or sms_transport(settings, cfg)
    outbox = SmsOutbox(sessions=sessions, from_number=sms.from_number, config=cfg, clock=clock)
    sender = SmsSender(
        sessions=sessions, transport=sms, outbox=outbox, config=cfg, metrics=metrics, clock=clock
    )
    hub = UserPushHub(clients=metrics.clients)
    client = http or httpx.AsyncClient()
    webhooks = WebhookChannel(sessions=sessions, client=client, config=cfg, metrics=metrics)
    trade_desk = desk or RecordingTradeDesk()
    core = NotifierCore(
        channels=[
            SmsChannel(outbox),
            WebSocketChannel(hub),
            webhooks,
            AutoTradeChannel(trade_desk, cfg),
        ],
        config=cfg,
        metrics=metrics,
        clock=clock,
        budget=budget or text_budget(settings, cfg),
    )
    key = settings.anthropic_api_key
    claude = anthropic or (claude_client(key.get_secret_value()) if key else None)
    parser: CommandParser = ClaudeParser(claude, config=cfg) if claude else GrammarParser()
    services: NotifyServices
    conversation = Conversation(
        sessions=sessions,
        parser=parser,
        desk=trade_desk,
        config=cfg,
        clock=clock,
        on_change=lambda uid: services.reload(uid),
    )
    inbound = InboundHandler(
        sessions=sessions,
        conversation=conversation,
        outbox=outbox,
        config=cfg,
        metrics=metrics,
        clock=clock,
        on_change=lambda uid: services.reload(uid),
    )
    verifier = PhoneVerifier(sessions=sessions, outbox=outbox, config=cfg, clock=clock)
    services = NotifyServices(
        settings=settings,
        config=cfg,
        sessions=sessions,
        metrics=metrics,
        transport=sms,
        outbox=outbox,
        sender=sender,
        hub=hub,
        webhooks=webhooks,
        core=core,
        parser=parser,
        desk=trade_desk,
        conversation=conversation,
        inbound=inbound,
        verifier=verifier,
        http=client,
        ledger=DeliveryLedger(sessions=sessions, core=core, config=cfg),
        retention=Retention(sessions=sessions, config=cfg, metrics=metrics),
    )
    return services
