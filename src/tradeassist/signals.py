"""Ctrl-C and SIGTERM as an ``asyncio.Event``, for the long-running commands."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

__all__ = ["stop_on_signals"]


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` while inside, where the running loop allows it.

    Also the SIGINT Uvicorn raises again after its own graceful exit, so Ctrl-C
    ends everything in order instead of cancelling it. Outside the main thread
    nothing is installed: the caller stops the work through ``stop``.
    """
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
