"""``tradeassist replay``: the screener over a DBN file, alerts out as JSON lines.

Reads the file in batches with the streaming DBN reader (memory does not grow
with the file), runs the same engine as live screening, writes every alert in
the contract's shape and order atomically, and with ``store`` also writes the
alerts and one-minute bars to the configured database. Errors of the file or
the reference propagate as ``tradeassist.errors`` (the CLI prints one line and
exits 2); no output file is left behind then.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.dbn_file import DbnFile, open_dbn
from tradeassist.feeds.reference import load_reference
from tradeassist.feeds.status_merge import Piece, merge_status, translate_ids
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.alert_output import AlertWriter
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine, ordered_alerts
from tradeassist.settings import Settings

if TYPE_CHECKING:
    from tradeassist.screener.replay_store import ReplayStore

__all__ = ["BATCH_RECORDS", "PACED_BATCH_RECORDS", "replay_file"]

BATCH_RECORDS = 1 << 18  # records per batch at full speed (about 20 MB)
PACED_BATCH_RECORDS = 1 << 10  # smaller batches when paced, so alerts are not late


class _Pacer:
    """Holds the replay back to real time x ``speed`` by ``ts_event`` (0: no pacing)."""

    def __init__(self, speed: float) -> None:
        self._speed = speed
        self._origin: tuple[int, float] | None = None

    def wait_until(self, ts_ns: int) -> None:
        if self._speed <= 0:
            return
        if self._origin is None:
            self._origin = (ts_ns, time.monotonic())
            return
        first_ts, first_wall = self._origin
        delay = first_wall + (ts_ns - first_ts) / 1e9 / self._speed - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def _batches(dbn: DbnFile, size: int, progress: bool) -> Iterator[npt.NDArray[np.void]]:
    if not progress:
        yield from dbn.iter_batches(size)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    compressed = dbn.path.suffix == ".zst"
    total = None if compressed else max(dbn.path.stat().st_size // 80, 1)
    columns = (
        TextColumn("replay"),
        BarColumn(),
        TextColumn("{task.completed:,} records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("replay", total=total)
        for batch in dbn.iter_batches(size):
            yield batch
            bar.advance(task, batch.shape[0])


def _pieces(dbn: DbnFile, status: DbnFile | None, size: int, progress: bool) -> Iterator[Piece]:
    """The data batches, with the status file's records merged in when there is one."""
    batches = _batches(dbn, size, progress)
    if status is None:
        return (("data", batch) for batch in batches)
    translated = (
        translate_ids(
            part,
            lambda day: status.symbols_for(day) or status.symbols,
            lambda day: dbn.symbols_for(day) or dbn.symbols,
        )
        for part in status.iter_status(size)
    )
    return merge_status(batches, translated)


def replay_file(
    path: Path,
    *,
    reference: Path,
    out: Path,
    corporate_actions: Path | None,
    settings: Settings,
    store: bool,
    speed: float,
    progress: bool,
    status: Path | None = None,
) -> str:
    """Replay ``path`` and write its alerts to ``out``; a one-line summary of the run."""
    started = time.perf_counter()
    ref = load_reference(reference, corporate_actions=corporate_actions)
    pacer = _Pacer(speed)
    records = 0
    with ExitStack() as stack:
        dbn = stack.enter_context(open_dbn(path))
        status_file = None if status is None else stack.enter_context(open_dbn(status))
        sink: ReplayStore | None = None
        if store:  # the database layer is imported only when it is used
            from tradeassist.screener.replay_store import ReplayStore

            sink = stack.enter_context(ReplayStore(settings.resolved_database_url))
        writer = stack.enter_context(AlertWriter(out))
        engine = ScreenerEngine(
            config=ScreenerConfig.from_settings(settings),
            reference=ref,
            calendar=trading_calendar(),
            bars=store,
            symbology=lambda day: dbn.symbols_for(day) or dbn.symbols,
        )
        engine.set_symbols(dbn.symbols)
        known = len(dbn.symbols)
        size = PACED_BATCH_RECORDS if speed > 0 else BATCH_RECORDS
        for kind, batch in _pieces(dbn, status_file, size, progress):
            if len(dbn.symbols) != known:  # in-band symbol mappings arrived
                engine.set_symbols(dbn.symbols)
                known = len(dbn.symbols)
            if kind == "status":
                found = engine.process_status_sets(batch)
            else:
                pacer.wait_until(int(batch["ts_event"][-1]))
                found = engine.process_sets(batch)
                records += batch.shape[0]
            if found:
                writer.add(found, engine.symbols)
            if sink is not None:
                sink.add(ordered_alerts(found), engine.drain_bars())
        bars = engine.finish()
        if sink is not None:
            sink.add([], bars)
            sink.flush()
        writer.commit()
    seconds = time.perf_counter() - started
    alerts = writer.count
    stored = f", {sink.stored:,} new in the database" if sink is not None else ""
    rate = records / seconds if seconds > 0 else 0.0
    return (
        f"replayed {records:,} records in {seconds:.2f} s ({rate / 1e6:.2f} M records/s):"
        f" {alerts:,} alerts to {out}{stored}"
    )
