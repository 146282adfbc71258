"""A real ``tradeassist run`` for the browser tests: start it, wait for alerts, stop it.

It runs as a subprocess in its own process group (so its children, the
Temporal dev server and the feed process, are stopped with it) on a free
loopback port, with a fresh data directory, hence a newly printed admin token.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard" / "out" / "index.html"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("TRADEASSIST_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

TOKEN_RE = re.compile(r"admin token \(shown once; sign in with it\): (\S+)")
STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0
GRADE_INTERVAL_S = 2
# Settings the embedded defaults must not inherit from the caller's environment.
_EXTERNAL = (
    "DATABASE_URL",
    "REDIS_URL",
    "TEMPORAL_ADDRESS",
    "DATABENTO_API_KEY",
    "SUPABASE_JWT_SECRET",
    "TWILIO_AUTH_TOKEN",
    "ANTHROPIC_API_KEY",
    "TRADEASSIST_PUBLIC_ALERTS",
)


def unavailable(message: str) -> None:
    """Skip when something the tests need is missing; fail on CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running ``tradeassist run``: where it listens, its admin token, how to stop it."""

    base_url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    def api(self) -> httpx.Client:
        """A REST client signed in as the admin."""
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10.0,
        )

    def recent_alerts(self, limit: int = 1) -> list[dict[str, Any]]:
        """The newest stored alerts, newest first."""
        with self.api() as client:
            response = client.get("/alerts", params={"limit": limit, "order": "desc"})
            response.raise_for_status()
            data: list[dict[str, Any]] = response.json()["data"]
        return data

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGINT to the process group (as Ctrl-C does), SIGKILL for anything left."""
        pgid = self.process.pid  # a session leader's group id is its pid
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT_S)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


def start_server(home: Path) -> Server:
    """``tradeassist run`` with its data under ``home``; returns once it serves alerts."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in _EXTERNAL}
    env["TRADEASSIST_DATA_DIR"] = str(home / "data")
    env["TRADEASSIST_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    # The simulated day plays in minutes: grade often, so the scorecard fills during the tests.
    env["TRADEASSIST_GRADE_INTERVAL_SECONDS"] = str(GRADE_INTERVAL_S)
    log = home / "run.log"
    tradeassist = Path(sys.executable).with_name("tradeassist")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(tradeassist), "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=home,  # no .env from the checkout
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(base_url=f"http://127.0.0.1:{port}", token="", process=process, log=log)
    try:
        _wait_until_serving(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_serving(server: Server) -> None:
    """Until the admin token is printed, the API answers and the screener has stored an alert."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"tradeassist run exited with {server.process.returncode}:\n"
                + server.output()[-3000:],
                pytrace=False,
            )
        if not server.token:
            found = TOKEN_RE.search(server.output())
            server.token = found.group(1) if found else ""
        if server.token:
            with contextlib.suppress(httpx.HTTPError):
                if server.recent_alerts():
                    return
        time.sleep(0.5)
    pytest.fail(
        f"tradeassist run served no alert within {STARTUP_TIMEOUT_S:.0f} s:\n"
        + server.output()[-3000:],
        pytrace=False,
    )
