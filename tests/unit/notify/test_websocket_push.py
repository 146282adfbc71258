"""The websocket channel: the core's notices reach the matching user's open inboxes only."""

from __future__ import annotations

import asyncio

import pytest
from notify_fakes import make_alert

from tradeassist.notify.channels.websocket import UserPushHub, WebSocketChannel
from tradeassist.notify.core import NotifierCore
from tradeassist.notify.matching import SubscriptionIndex, SubscriptionSpec, UserSpec

WS = frozenset({"websocket"})


def hub_and_core(*subs: SubscriptionSpec) -> tuple[UserPushHub, NotifierCore]:
    hub = UserPushHub()
    users = [UserSpec(id=u) for u in {s.user_id for s in subs}]
    core = NotifierCore(channels=[WebSocketChannel(hub)], index=SubscriptionIndex(subs, users))
    return hub, core


async def test_a_match_is_pushed_with_the_subscriptions_id_and_name_to_its_user_only() -> None:
    hub, core = hub_and_core(
        SubscriptionSpec(7, "ann", WS, symbols=frozenset({"AAPL"}), name="apple"),
        SubscriptionSpec(8, "bob", WS, symbols=frozenset({"TSLA"}), name="tesla"),
    )
    async with hub.connect("ann") as ann, hub.connect("bob") as bob:
        await core.notify(make_alert(41, symbol="AAPL"))

        got = await asyncio.wait_for(ann.get(), 1)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(bob.get(), 0.05)

    assert got["type"] == "alert" and got["alert_id"] == 41
    assert got["alert"]["symbol"] == "AAPL"
    assert got["subscriptions"] == [{"id": 7, "name": "apple"}]


async def test_every_open_connection_of_the_user_gets_it_and_a_closed_one_is_forgotten() -> None:
    hub, core = hub_and_core(SubscriptionSpec(1, "ann", WS))
    async with hub.connect("ann") as phone, hub.connect("ann") as laptop:
        await core.notify(make_alert(1))
        both = [(await phone.get())["alert_id"], (await laptop.get())["alert_id"]]

    assert both == [1, 1]
    assert hub.connected("ann") == 0
    assert hub.publish("ann", {"type": "alert"}) == 0


async def test_a_client_that_stops_reading_loses_the_oldest_and_is_told_how_many() -> None:
    hub = UserPushHub(queue_size=2)
    async with hub.connect("ann") as inbox:
        for i in range(5):
            hub.publish("ann", {"type": "alert", "alert_id": i})
        kept = [await inbox.get(), await inbox.get()]

    assert [m["alert_id"] for m in kept] == [3, 4]
    assert sum(m["dropped"] for m in kept) == 3  # 0, 1 and 2, each counted once
