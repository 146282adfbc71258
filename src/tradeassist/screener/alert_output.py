"""Writing alerts as JSON lines, in the contract's order, atomically.

Order: trigger time (``ts_event``), then the triggering record's position in
the stream, then detector order. The file appears whole or not at all: lines
go to a temporary file in the same directory, which replaces ``out`` only once
complete; on any error the temporary file is removed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tradeassist.errors import InputError
from tradeassist.screener.alert_set import AlertSet

__all__ = ["contract_lines", "write_atomically"]


def contract_lines(sets: Sequence[AlertSet], symbols: Sequence[str]) -> list[str]:
    """Every alert of ``sets`` as one JSON text, sorted as the contract says."""
    sets = [s for s in sets if len(s)]
    if not sets:
        return []
    symbol_json = [json.dumps(s) for s in symbols]
    lines = [line for s in sets for line in s.json_lines(symbol_json)]
    ts = np.concatenate([s.ts for s in sets])
    ordinal = np.concatenate([s.ordinal for s in sets])
    detector = np.concatenate([np.full(len(s), s.detector) for s in sets])
    order = np.lexsort((detector, ordinal, ts))
    return [lines[i] for i in order.tolist()]


def write_atomically(out: Path, lines: Sequence[str]) -> None:
    """Write ``lines`` (one per line) to ``out`` through a temporary file and a rename."""
    out = Path(out)
    directory = out.parent if str(out.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
            "w",
            encoding="utf-8",
            dir=directory,
            prefix=f".{out.name}.",
            suffix=".tmp",
            delete=False,
        )
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    temp = Path(handle.name)
    try:
        with handle:
            text = "\n".join(lines)
            handle.write(text + "\n" if text else "")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, out)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
        raise
