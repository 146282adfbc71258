"""``tradeassist worker`` apart from the screener: stops seen in the stored one-minute bars."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.store.tables import BarRow, TradeRow
from tradeassist.store.users import get_or_create_user
from tradeassist.workflows.bar_prices import BarFollower
from tradeassist.workflows.inputs import PriceCrossing
from tradeassist.workflows.watcher import PriceWatcher

FILLED = datetime(2026, 3, 10, 14, 30, 20, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, PriceCrossing]] = []

    async def __call__(self, workflow_id: str, crossing: PriceCrossing) -> None:
        self.sent.append((workflow_id, crossing))


def bar(minute: int, o: float, h: float, low: float, c: float) -> BarRow:
    start = datetime(2026, 3, 10, 14, minute, tzinfo=UTC)
    return BarRow(symbol="AAPL", start=start, bar={"o": o, "h": h, "l": low, "c": c, "v": 1000})


async def test_only_bars_after_the_fill_are_walked_and_the_stop_is_signalled_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await get_or_create_user(session, user_id="alice")
        session.add(
            TradeRow(
                user_id="alice",
                symbol="AAPL",
                side="long",
                quantity=50,
                entry_price=150.0,
                entry_time=FILLED,
                stop_loss=148.0,
                take_profit=155.0,
                status="open",
                workflow_id="trade-1",
            )
        )
        session.add(bar(29, 150.0, 150.5, 147.0, 150.0))  # before the fill: ignored
        session.add(bar(30, 150.0, 150.5, 147.5, 150.0))  # holds the fill's minute: ignored
        session.add(bar(31, 150.0, 151.0, 148.5, 150.5))  # between the levels
    recorder = Recorder()
    follower = BarFollower(sessions, PriceWatcher(recorder))

    quiet = await follower.poll()
    async with sessions() as session, session.begin():
        session.add(bar(32, 150.0, 150.2, 147.6, 149.0))  # falls through the stop
        session.add(bar(33, 149.0, 149.0, 146.0, 146.5))
    crossed = await follower.poll()
    again = await follower.poll()

    assert (quiet, crossed, again) == (0, 1, 0)
    assert [(w, c.price) for w, c in recorder.sent] == [("trade-1", 147.6)]
    assert (
        recorder.sent[0][1].at_ns
        == int(datetime(2026, 3, 10, 14, 32, tzinfo=UTC).timestamp()) * 10**9
    )
