"""Two senders on one database (two notifier replicas) never claim the same queued text."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.store.outbox import OutboxItem, claim_due, enqueue
from tradeassist.store.sms import record_outbound

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
TEXTS = 40


async def queue_texts(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        for n in range(TEXTS):
            message_id = await record_outbound(
                session, user_id=None, from_number="+15005550006", to_number="+15551230001",
                body=f"text {n}", status="queued", cost=0.0, at=NOW,
            )  # fmt: skip
            await enqueue(
                session, message_id=message_id, user_id=None, kind="alert", segments=1, due=NOW
            )


async def claim(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxItem]:
    async with sessions() as session, session.begin():
        return await claim_due(session, now=NOW, limit=5, lease_seconds=60)


async def test_concurrent_claims_take_each_text_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await queue_texts(sessions)

    claimed: list[int] = []
    for _ in range(TEXTS):  # two senders at once, round after round
        for items in await asyncio.gather(claim(sessions), claim(sessions)):
            claimed.extend(item.outbox_id for item in items)

    assert len(claimed) == TEXTS
    assert len(set(claimed)) == TEXTS
