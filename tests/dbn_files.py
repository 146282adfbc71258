"""Real DBN files written for tests with ``databento_dbn`` (shared by the test folders)."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import databento_dbn as dbn
import numpy as np

from tradeassist.feeds.databento.parsing import STATUS_DTYPE


def dbn_header(
    schema: dbn.Schema, symbols: dict[str, int], day: dt.date, start: int, dataset: str
) -> bytes:
    """A DBN metadata header mapping each symbol to its instrument id on ``day``."""
    mappings = [
        types.SimpleNamespace(
            raw_symbol=sym,
            intervals=[
                types.SimpleNamespace(
                    start_date=day, end_date=day + dt.timedelta(days=1), symbol=str(iid)
                )
            ],
        )
        for sym, iid in symbols.items()
    ]
    return bytes(
        dbn.Metadata(
            dataset=dataset,
            start=start,
            schema=schema,
            stype_in=dbn.SType.RAW_SYMBOL,
            stype_out=dbn.SType.INSTRUMENT_ID,
            symbols=list(symbols),
            partial=[],
            not_found=[],
            mappings=mappings,
        ).encode()
    )


def write_status(path: Path, rows: list[tuple[str, int, int, int]], day: dt.date) -> None:
    """A status file of another dataset (ids of its own): rows of (symbol, ts, action, reason)."""
    symbols = {sym: 9000 + n for n, sym in enumerate(sorted({r[0] for r in rows}))}
    recs = np.zeros(len(rows), STATUS_DTYPE)
    recs["length"], recs["rtype"], recs["publisher_id"] = STATUS_DTYPE.itemsize // 4, 0x12, 2
    for i, (sym, ts, action, reason) in enumerate(rows):
        recs[i]["instrument_id"] = symbols[sym]
        recs[i]["ts_event"] = recs[i]["ts_recv"] = ts
        recs[i]["action"], recs[i]["reason"] = action, reason
        recs[i]["is_trading"] = b"Y" if action == int(dbn.StatusAction.TRADING) else b"N"
    header = dbn_header(dbn.Schema.STATUS, symbols, day, min(r[1] for r in rows), "XNAS.ITCH")
    path.write_bytes(header + recs.tobytes())


def write_halt_and_resume(
    path: Path, records: np.ndarray, symbol: str, *, halt_at: float = 0.4, resume_at: float = 0.6
) -> tuple[int, int]:
    """A status file pausing ``symbol`` (a LULD pause) at the ``ts_recv`` of the record
    ``halt_at`` of the way into ``records`` and resuming it ``resume_at`` of the way in,
    with a halt of a symbol the data does not carry; returns (halt, resume) in UTC ns."""
    recv = records["ts_recv"]
    halt = int(recv[int(recv.shape[0] * halt_at)])
    resume = int(recv[int(recv.shape[0] * resume_at)])
    pause, trading = int(dbn.StatusAction.PAUSE), int(dbn.StatusAction.TRADING)
    luld = int(dbn.StatusReason.LULD_PAUSE)
    day = dt.datetime.fromtimestamp(halt // 1_000_000_000, tz=dt.UTC).date()
    rows = [
        (symbol, halt, pause, luld),
        ("NOTINDATA", halt, pause, luld),
        (symbol, resume, trading, 0),
    ]
    write_status(path, rows, day)
    return halt, resume
