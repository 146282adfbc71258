"""Stores a backtest's alerts and their outcomes, for ``/alerts/stats`` and the dashboard."""

from __future__ import annotations

from sqlalchemy import select

from tradeassist.backtest.graded import GradedSet
from tradeassist.backtest.live import stored_outcome
from tradeassist.store.alerts import insert_alerts
from tradeassist.store.database import create_engine, session_factory, storage_errors
from tradeassist.store.outcomes import upsert_outcomes
from tradeassist.store.tables import AlertRow

__all__ = ["store_outcomes"]

_CHUNK = 500


async def store_outcomes(url: str, graded: GradedSet) -> int:
    """Insert the graded alerts (idempotently) and upsert their outcomes; returns outcomes."""
    outcomes = [graded.outcome(i) for i in range(len(graded))]
    engine = create_engine(url)
    try:
        async with storage_errors(url, "store the backtest's outcomes"):
            sessions = session_factory(engine)
            written = 0
            for lo in range(0, len(outcomes), _CHUNK):
                part = outcomes[lo : lo + _CHUNK]
                async with sessions() as session:
                    await insert_alerts(session, alerts=[o.alert for o in part])
                    await session.commit()
                    keys = [o.alert.idempotency_key for o in part]
                    rows = await session.execute(
                        select(AlertRow.idempotency_key, AlertRow.id).where(
                            AlertRow.idempotency_key.in_(keys)
                        )
                    )
                    ids = {str(k): int(i) for k, i in rows}
                    found = [stored_outcome(ids[o.alert.idempotency_key], o) for o in part]
                    await upsert_outcomes(session, outcomes=found)
                    await session.commit()
                    written += len(found)
            return written
    finally:
        await engine.dispose()
