"""The API's background work, started and stopped by the app's lifespan.

- The notifier (``TRADEASSIST_NOTIFIER``): its loops (SMS sender, digests,
  subscription reloads) and its alert feed. With ``REDIS_URL`` and the app's
  own bus, the feed is the Redis consumer group, so replicas share the alerts
  and each is notified once; otherwise the app's bus, claimed through the
  store's cursor (see :mod:`tradeassist.notify.follow`).
- Live grading (``TRADEASSIST_GRADE_INTERVAL_SECONDS``, 0: off): every
  interval, stored alerts whose horizons have passed are graded from the
  stored bars, so ``/alerts/stats`` shows their outcomes.

Each task logs and keeps going when a round fails; :meth:`Background.stop`
ends them all (a notifier batch in hand is finished first).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.backtest.live import grade_pending_alerts
from tradeassist.bus.base import AlertBus
from tradeassist.bus.redis_group import RedisAlertGroup
from tradeassist.notify.follow import AlertFeed, GroupFeed
from tradeassist.notify.service import NotifyServices
from tradeassist.settings import Settings

__all__ = ["NOTIFIER_GROUP", "Background", "consumer_name", "grade_periodically"]

log = logging.getLogger(__name__)

#: The consumer group the API replicas' notifiers share on the alert stream.
NOTIFIER_GROUP = "notifier"


def consumer_name(settings: Settings) -> str:
    """This app's consumer name: the setting, else host, process id and a random suffix.

    A restarted notifier is a new consumer; what a crashed one held is claimed
    by the others (or by its successor) once idle for the group's claim time.
    """
    if settings.notifier_consumer:
        return settings.notifier_consumer
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


async def grade_periodically(
    sessions: async_sessionmaker[AsyncSession],
    *,
    interval_seconds: float,
    stop: asyncio.Event,
    clock_ns: Callable[[], int],
) -> None:
    """Grade pending live alerts now and every ``interval_seconds`` until ``stop``."""
    while not stop.is_set():
        try:
            graded = await grade_pending_alerts(sessions, now_ns=clock_ns())
            if graded:
                log.debug("graded %d live alerts", graded)
        except Exception as exc:  # the next round may work (a database restart ...)
            log.warning("grading live alerts failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)


@dataclass
class Background:
    """The tasks one app runs beside its requests."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def start_notifier(
        self, services: NotifyServices, settings: Settings, bus: AlertBus, *, own_bus: bool
    ) -> None:
        """Run the notifier; its alerts from the Redis group when the app owns a Redis bus.

        Its position is taken before this returns (alerts from then on are
        notified), unless the store or Redis is down: then it is taken later.
        """
        feed: AlertFeed
        if own_bus and settings.redis_url:
            group = RedisAlertGroup(
                settings.redis_url,
                group=NOTIFIER_GROUP,
                consumer=consumer_name(settings),
                stream=settings.redis_stream,
            )
            feed = GroupFeed(group)
        else:
            feed = services.cursor_feed(bus)
        try:
            await feed.prepare()
        except Exception as exc:
            log.warning("the notifier starts without a position: %s", type(exc).__name__)
        self.tasks["notifier"] = asyncio.create_task(
            services.run(self.stop, feed=feed), name="notifier"
        )

    def start_grading(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        interval_seconds: float,
        clock_ns: Callable[[], int],
    ) -> None:
        if interval_seconds <= 0:
            return
        self.tasks["grading"] = asyncio.create_task(
            grade_periodically(
                sessions, interval_seconds=interval_seconds, stop=self.stop, clock_ns=clock_ns
            ),
            name="live-grading",
        )

    def failed(self) -> list[str]:
        """The tasks that ended before they were told to stop."""
        if self.stop.is_set():
            return []
        return [name for name, task in self.tasks.items() if task.done()]

    async def close(self, grace_seconds: float = 10.0) -> None:
        """Stop every task: told first, cancelled after ``grace_seconds``."""
        self.stop.set()
        tasks = list(self.tasks.values())
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in late:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for name, result in zip(self.tasks, results, strict=True):
            if isinstance(result, Exception):
                log.warning("background task %s failed: %s", name, type(result).__name__)
