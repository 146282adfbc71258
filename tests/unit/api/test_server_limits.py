from __future__ import annotations

import asyncio
import gc
import resource
from pathlib import Path

from tradeassist.api.server import build_server, raise_open_file_limit
from tradeassist.settings import Settings


def test_the_open_file_limit_is_raised_to_the_hard_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))

        raised = raise_open_file_limit()

        assert raised == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        assert hard == resource.RLIM_INFINITY or raised == hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_the_heap_built_at_start_up_is_frozen_out_of_the_collector(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'api.db'}",
        data_dir=tmp_path / "data",
        notifier=False,
        grade_interval_seconds=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    server = build_server(settings=settings, host="127.0.0.1", port=0)
    gc.unfreeze()
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:  # noqa: ASYNC110 (Uvicorn offers only this flag)
                await asyncio.sleep(0.05)
        frozen = gc.get_freeze_count()
    finally:
        server.should_exit = True
        await serving
        gc.unfreeze()

    # A full collection no longer walks FastAPI, SQLAlchemy and the app's state.
    assert frozen > 100_000
