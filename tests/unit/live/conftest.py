"""Fixtures of the live-screening unit tests."""

from __future__ import annotations

import pytest
from live_sim import SimDay, make_sim_day


@pytest.fixture(scope="session")
def sim_day(tmp_path_factory: pytest.TempPathFactory) -> SimDay:
    """A simulated day (60 symbols, 30,000 records) and replay's alerts on it."""
    return make_sim_day(tmp_path_factory.mktemp("sim") / "day.dbn")
