"""A PostgreSQL restart during live screening loses no alert (a private server of our own)."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from live_helpers import SimDay, by_key, eventually, feed_for, start_gateway, stored_alerts

from tradeassist.live.metrics import ScreenerStatus
from tradeassist.live.service import run_screener
from tradeassist.settings import load_settings
from tradeassist.store.migrate import upgrade

pytestmark = pytest.mark.slow


@dataclass
class PrivatePostgres:
    """A PostgreSQL server in a temporary directory, on a free port, run as ``postgres``."""

    bin_dir: Path
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.root / "data"), "-A", "trust", "-U", "postgres", "--no-sync"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.root / "data"),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "stop")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing; CI=true requires them")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="ta-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PrivatePostgres(Path(found[-1]).parent, root, free_port())
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


async def test_a_postgres_restart_during_screening_loses_no_alert(
    sim_day: SimDay, private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    conn = await asyncpg.connect(private_postgres.url, timeout=10)
    await conn.execute("CREATE DATABASE screener")
    await conn.close()
    url = private_postgres.url.rsplit("/", 1)[0] + "/screener"
    await upgrade(url)
    gateway = await start_gateway(sim_day, rate=5_000.0)
    settings = load_settings(database_url=url, data_dir=tmp_path)
    status, stop = ScreenerStatus(), asyncio.Event()
    running = asyncio.create_task(
        run_screener(
            settings, reference=sim_day.reference, feed=feed_for(gateway), stop=stop, status=status
        )
    )
    try:
        await eventually(lambda: status.alerts_stored > 20, 60, "the first alerts stored")
        await asyncio.to_thread(private_postgres.stop, "fast")
        await eventually(lambda: status.spool_pending > 0, 30, "alerts spooled to disk")
        assert not status.database_ok
        await asyncio.sleep(2.0)  # the outage lasts: more alerts go to the spool
        await asyncio.to_thread(private_postgres.start)
        total = sim_day.records.shape[0]
        await eventually(lambda: status.records >= total, 60, "every record screened")
        await eventually(
            lambda: not status.alerts_pending and not status.spool_pending and status.database_ok,
            30,
            "the spool to flush",
        )
    finally:
        stop.set()
        summary = await asyncio.wait_for(running, 20)
        await gateway.close()
    stored = await stored_alerts(url)
    assert by_key(stored) == by_key(sim_day.replayed)  # none lost, none doubled
    assert summary.alerts_spooled > 0
