"""The bundled Temporal dev server: started when TEMPORAL_ADDRESS is unset, stopped by pid."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psutil
import pytest
from desk_helpers import find_binary
from temporalio.client import Client

from tradeassist.errors import NotConfiguredError
from tradeassist.workflows.devserver import DevServer, free_port, temporal_address


async def test_a_configured_address_starts_nothing(tmp_path: Path) -> None:
    async with temporal_address("temporal.example:7233", tmp_path) as address:
        assert address == "temporal.example:7233"

    assert os.listdir(tmp_path) == []


async def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        with pytest.raises(NotConfiguredError, match=f"port {port} is in use"):
            async with temporal_address(None, tmp_path, port=port):
                pass


async def test_the_dev_server_answers_keeps_its_state_and_stops(tmp_path: Path) -> None:
    server = DevServer(data_dir=tmp_path, port=free_port(), binary=find_binary("temporal"))

    async with server:
        pid = server.pid
        client = await Client.connect(server.address)
        assert await client.service_client.check_health()

    assert pid is not None and not psutil.pid_exists(pid)
    assert (tmp_path / "temporal.db").stat().st_size > 0
