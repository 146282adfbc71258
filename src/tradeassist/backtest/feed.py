"""Replays DBN files through the screener for one or more configs, decoding each batch once.

This is the replay path: the same reader (``open_dbn``), the same batches and
the same ``ScreenerEngine`` calls as ``tradeassist replay`` (alerts stay
columnar), so a backtest's alerts are replay's alerts. With several configs (a
parameter sweep) every batch is decoded once; configs that read the scan alike
(:func:`~tradeassist.screener.engine.scan_key`: the global filters, the volume
window, bars on or off) share one engine, so the scan runs once per group and
only each config's detectors and gate run per config. Only the first config
builds one-minute bars (bars do not depend on detector thresholds), so a sweep
of detector thresholds scans each batch twice: with bars for the first config,
without for the rest. The caller receives each config's alerts of a batch and
then the bars drained with them. Status files (halts and resumptions) are
merged into the stream by ``ts_recv`` as ``tradeassist replay --status`` merges
them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.dbn_file import DbnFile, open_dbn
from tradeassist.feeds.status_merge import merge_status, translate_ids
from tradeassist.market_calendar import TradingCalendar
from tradeassist.screener.alert_set import AlertSet
from tradeassist.screener.bar_output import BarSet
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ReferenceSource, ScreenerEngine, scan_key

__all__ = ["BATCH_RECORDS", "BatchSink", "replay_engines"]

BATCH_RECORDS = 1 << 16  # about 5 MB of records

BatchSink = Callable[[Sequence[list[AlertSet]], BarSet], None]
"""Called with each config's alert sets of one batch (in config order), then its bars
(as columns)."""


def replay_engines(
    files: Sequence[Path],
    configs: Sequence[ScreenerConfig],
    sink: BatchSink,
    *,
    reference: ReferenceSource,
    calendar: TradingCalendar,
    max_records: int = BATCH_RECORDS,
    on_records: Callable[[int], None] | None = None,
    status: Sequence[Path] = (),
) -> int:
    """Run ``files`` in order through the screener for every config; returns the records read.

    The engines are built and fed as ``tradeassist replay`` builds and feeds its
    one (each trading day's instrument ids from the file's symbology; in-band
    mappings applied as they arrive). They see one continuous stream (a day
    change inside or between files resets their day state), so several one-day
    files replay as their concatenation would. Raises DataFileError or
    SchemaError for a file that cannot be replayed.
    """
    if not configs:
        raise ValueError("replay_engines needs at least one config")
    current: list[DbnFile] = []

    def symbology(day: dt.date) -> Mapping[int, str]:
        return current[-1].symbols_for(day) or current[-1].symbols

    groups: dict[tuple[bytes, float], list[int]] = {}  # the first holds config 0
    for i, config in enumerate(configs):
        groups.setdefault(scan_key(config, i == 0), []).append(i)
    engines = [
        ScreenerEngine(
            config=configs[group[0]],
            reference=reference,
            calendar=calendar,
            bars=group[0] == 0,
            symbology=symbology,
            more_configs=[configs[i] for i in group[1:]],
        )
        for group in groups.values()
    ]
    order = [i for group in groups.values() for i in group]  # the engines' outputs, flattened

    def by_config(found: list[list[list[AlertSet]]]) -> list[list[AlertSet]]:
        alerts: list[list[AlertSet]] = [[] for _ in configs]
        for i, sets in zip(order, (sets for each in found for sets in each), strict=True):
            alerts[i] = sets
        return alerts

    total = 0

    def data() -> Iterator[npt.NDArray[np.void]]:
        for path in files:
            with open_dbn(Path(path)) as dbn_file:
                current[:] = [dbn_file]
                for engine in engines:
                    engine.set_symbols(dbn_file.symbols)
                known = len(dbn_file.symbols)
                for batch in dbn_file.iter_batches(max_records):
                    if len(dbn_file.symbols) != known:  # in-band symbol mappings arrived
                        for engine in engines:
                            engine.set_symbols(dbn_file.symbols)
                        known = len(dbn_file.symbols)
                    yield batch

    with ExitStack() as stack:
        status_files = [stack.enter_context(open_dbn(Path(p))) for p in status]

        def halts() -> Iterator[npt.NDArray[np.void]]:
            for status_file in status_files:
                yield from status_file.iter_status(max_records)

        for kind, part in merge_status(data(), halts()):
            if kind == "status":  # its ids become those of the data file being read
                part = translate_ids(
                    part, lambda day: _status_symbols(status_files, day), symbology
                )
                sink(
                    by_config([e.process_status_each(part) for e in engines]),
                    engines[0].drain_bars(),
                )
                continue
            sink(by_config([e.process_each(part) for e in engines]), engines[0].drain_bars())
            total += part.shape[0]
            if on_records is not None:
                on_records(part.shape[0])
    final = engines[0].finish()
    for engine in engines[1:]:
        engine.finish()
    sink([[] for _ in configs], final)
    return total


def _status_symbols(status_files: Sequence[DbnFile], day: dt.date) -> Mapping[int, str]:
    """instrument_id -> symbol of the status files on ``day`` (the first that covers it)."""
    for status_file in status_files:
        if names := status_file.symbols_for(day):
            return names
    return status_files[-1].symbols if status_files else {}
