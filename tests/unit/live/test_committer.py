"""The store process: alerts committed as they come, bars between them, a dead one replaced."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_sink import alert, eventually

from tradeassist.domain.bars import Bar
from tradeassist.errors import StorageError
from tradeassist.live.alert_store import SqlAlertStore
from tradeassist.live.committer import CommitOutcome, Committer
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.tables import AlertRow, BarRow

_MINUTE_NS = 60_000_000_000
_OPEN_NS = 1_773_149_400_000_000_000  # 2026-03-10 13:30 UTC


@pytest.fixture
def url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "db.sqlite"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def count(url: str, column: object) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as s:
            return int(await s.scalar(select(func.count(column))) or 0)  # type: ignore[call-overload]
    finally:
        await engine.dispose()


def bars(symbols: int, minutes: int) -> BarSet:
    return BarSet.of_bars(
        [
            Bar(f"S{s}", _OPEN_NS + m * _MINUTE_NS, 10.0, 10.5, 9.5, 10.25, 100, 3, 10.1)
            for m in range(minutes)
            for s in range(symbols)
        ]
    )


async def test_alerts_commit_as_they_come_and_bars_are_written_between_them(url: str) -> None:
    # Arrange
    outcomes: list[CommitOutcome] = []
    stored_bars: list[int] = []
    committer = Committer(SqlAlertStore(url), on_commit=outcomes.append, on_bars=stored_bars.append)
    committer.start()
    await committer.ready()

    # Act: bars of 40 symbols x 30 minutes, alerts before and after them
    committer.put([alert(n) for n in range(5)])
    committer.put_bars(bars(40, 30))
    committer.put([alert(n) for n in range(5, 8)])
    await eventually(
        lambda: sum(len(o.batch) for o in outcomes) == 8 and not committer.bars_pending
    )
    await committer.stop(5)

    # Assert: every alert stored once, in commit order, after it was handed over
    ids = [s.id for o in outcomes for s in o.stored]
    assert ids == sorted(ids) and len(ids) == 8
    assert all(o.error is None and min(o.sent_ns) <= o.committed_ns for o in outcomes)
    assert sum(stored_bars) == 1200 and committer.bars_stored == 1200
    assert await count(url, AlertRow.id) == 8
    assert await count(url, BarRow.symbol) == 1200


async def test_a_dead_store_process_is_reported_and_replaced(url: str) -> None:
    # Arrange
    outcomes: list[CommitOutcome] = []
    committer = Committer(SqlAlertStore(url), on_commit=outcomes.append)
    committer.start()
    await committer.ready()
    (child,) = [p for p in multiprocessing.active_children() if p.name == "alert-committer"]

    # Act: the process is killed; alerts put meanwhile are not lost
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    await eventually(lambda: any(o.error is not None for o in outcomes))
    committer.put([alert(n) for n in range(4)])
    unfinished = committer.take_unfinished()
    stored, _ = await committer.commit([p.alert for p in unfinished])
    await committer.stop(5)

    # Assert
    failure = next(o.error for o in outcomes if o.error is not None)
    assert isinstance(failure, StorageError) and "ended unexpectedly" in str(failure)
    assert len(unfinished) == 4 and len(stored) == 4
    assert await count(url, AlertRow.id) == 4
