"""Nothing is entered without a YES, and the risk controls can still refuse the entry."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_fakes import FakeBook
from workflow_helpers import TASK_QUEUE, keep_history, start, wait_for_status

from tradeassist.workflows.inputs import Answer, CloseRequest, TradeInput
from tradeassist.workflows.workflows import TradeLifecycle


def _aapl(**overrides: object) -> TradeInput:
    fields: dict[str, object] = {
        "user_id": "u1",
        "symbol": "AAPL",
        "side": "long",
        "quantity": 100,
        "stop_loss": 148.0,
        "confirm_timeout_s": 300.0,
    }
    fields.update(overrides)
    return TradeInput(**fields)  # type: ignore[arg-type]


async def test_no_reply_expires_and_enters_nothing(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    handle = await start(env, _aapl())

    outcome = await handle.result()  # the server skips the five minutes

    assert (outcome.status, outcome.entry_price) == ("expired", None)
    assert book.only_trade().status == "expired"
    assert book.only_trade().entry_price is None
    assert book.bodies()[-1].startswith("No reply: BUY 100 AAPL")
    await keep_history(handle, "no_reply")


async def test_a_reply_after_the_timeout_is_too_late(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    handle = await start(env, _aapl(confirm_timeout_s=60.0))
    await env.sleep(120)

    outcome = await handle.result()

    assert outcome.status == "expired"


async def test_no_cancels(env: WorkflowEnvironment, worker: Worker, book: FakeBook) -> None:
    handle = await start(env, _aapl())

    await handle.signal(TradeLifecycle.answer, Answer(confirmed=False))
    outcome = await handle.result()

    assert (outcome.status, outcome.reason) == ("cancelled", "declined")
    assert book.only_trade().status == "cancelled"
    await keep_history(handle, "declined")


async def test_the_kill_switch_cancels_a_pending_trade(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    handle = await start(env, _aapl())

    await handle.signal(TradeLifecycle.close, CloseRequest("kill_switch"))
    outcome = await handle.result()

    assert (outcome.status, outcome.reason) == ("cancelled", "kill_switch")


async def test_a_risk_refusal_at_entry_cancels_and_says_why(
    env: WorkflowEnvironment, book: FakeBook
) -> None:
    book.refuse = "today's loss limit of $500.00 is reached"
    async with Worker(
        env.client, task_queue=TASK_QUEUE, workflows=[TradeLifecycle], activities=book.activities()
    ):
        handle = await start(env, _aapl())
        await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
        outcome = await handle.result()

    assert (outcome.status, outcome.entry_price) == ("cancelled", None)
    assert "loss limit" in book.bodies()[-1]
    await keep_history(handle, "risk_refused")


async def test_a_long_limit_below_the_market_is_not_filled(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    handle = await start(env, _aapl(limit_price=149.0))

    await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
    outcome = await handle.result()

    assert outcome.status == "cancelled"
    assert outcome.reason == "the price 150.00 is above your limit 149.00"
    assert book.only_trade().entry_price is None


async def test_without_a_quantity_the_size_comes_from_the_risk(
    env: WorkflowEnvironment, worker: Worker, book: FakeBook
) -> None:
    # $100 at risk, 150 -> 148 is $2 a share: 50 shares.
    handle = await start(env, _aapl(quantity=None, risk_dollars=100.0))

    await handle.signal(TradeLifecycle.answer, Answer(confirmed=True))
    await wait_for_status(handle, "open")
    await handle.signal(TradeLifecycle.close, CloseRequest("user"))
    outcome = await handle.result()

    assert (outcome.status, outcome.quantity) == ("closed", 50)
    assert "BUY 50 AAPL" in book.bodies()[0]
