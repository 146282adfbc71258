"""`tradeassist replay`'s alerts on a file, for tests that compare other paths with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tradeassist.screener.replay import replay_file
from tradeassist.settings import Settings


def replay_alerts(
    dbn: Path, reference: Path, out: Path, *, status: Path | None = None
) -> list[dict[str, Any]]:
    """Replay ``dbn`` (``status`` merged in) to ``out``; its alerts, one dict each, in order."""
    replay_file(
        dbn,
        reference=reference,
        out=out,
        corporate_actions=None,
        settings=Settings(),
        store=False,
        speed=0.0,
        progress=False,
        status=status,
    )
    return [json.loads(line) for line in out.read_text().splitlines()]
