"""Determinism: recorded histories of every scenario replay against the current workflow code.

A change to ``TradeLifecycle`` that would break running workflows (a step
added, removed or reordered without ``workflow.patched``) fails here. The
histories are written by the scenario tests with
``TRADEASSIST_RECORD_HISTORIES=1``; record them again only for a change that
is meant to be incompatible, and version the workflow in that case.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tradeassist.workflows.workflows import TradeLifecycle

if os.environ.get("TRADEASSIST_RECORD_HISTORIES") == "1":
    pytest.skip("recording histories: nothing to replay yet", allow_module_level=True)

HISTORIES = Path(__file__).parents[2] / "data" / "workflow_histories"
SCENARIOS = {p.stem: p.read_text(encoding="utf-8") for p in sorted(HISTORIES.glob("*.json"))}


def test_every_scenario_has_a_recorded_history() -> None:
    names = set(SCENARIOS)
    expected = {"confirm_enter_stop", "confirm_enter_target", "no_reply", "user_closes_early"}
    expected |= {"trailing_stop", "exit_at_close_dst", "move_stop", "declined", "risk_refused"}
    assert names >= expected


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_history_replays_without_nondeterminism(name: str) -> None:
    history = WorkflowHistory.from_json(name, SCENARIOS[name])

    result = await Replayer(workflows=[TradeLifecycle]).replay_workflow(
        history, raise_on_replay_failure=False
    )

    assert result.replay_failure is None, f"{name}: {result.replay_failure}"
