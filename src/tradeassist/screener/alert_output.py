"""Writing alerts as JSON lines, in the contract's order, atomically.

Order: trigger time (``ts_event``), then the triggering record's position in
the stream, then detector order. The file appears whole or not at all: lines
go to a temporary file in the same directory, which replaces ``out`` only once
complete; on any error the temporary file is removed.

:class:`AlertWriter` streams: alerts are encoded and appended as they come, in
sorted runs, so a replay holds no text per alert; only their sort keys stay
(21 bytes an alert). Runs that follow each other in order (records arrive in
time order) make the file final as written; otherwise it is rewritten once, in
order, at commit.
"""

from __future__ import annotations

import itertools
import json
import mmap
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np
import numpy.typing as npt

from tradeassist.errors import InputError
from tradeassist.screener.alert_bytes import SymbolBytes, encode_set, gather_lines
from tradeassist.screener.alert_set import AlertSet, merge_sets

__all__ = ["AlertWriter", "contract_lines", "write_atomically"]

FLUSH_ALERTS = 1 << 14  # alerts held before they are encoded and appended (a sorted run)
_REORDER_LINES = 1 << 16  # lines reordered at a time when runs overlap


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


class AlertWriter:
    """Alerts appended to a temporary file beside ``out`` as they come; ``commit`` renames it.

    Use as a context manager: leaving it without ``commit`` (an error) removes
    the temporary file, so ``out`` is never left half written.
    """

    def __init__(self, out: Path, flush_alerts: int = FLUSH_ALERTS) -> None:
        self._out = Path(out)
        self._flush_alerts = flush_alerts
        self._handle, self._temp = _temporary(self._out)
        self._symbols = SymbolBytes()
        self._pending: list[AlertSet] = []
        self._pending_count = 0
        self._keys: list[npt.NDArray[np.int64]] = []  # per run: (ts, ordinal, detector, length)
        # Arrays reused by every flush (fresh memory is slow to first touch here).
        self._text = np.zeros(0, np.uint8)
        self._lines = np.zeros(0, np.uint8)
        self.count = 0

    def add(self, sets: Sequence[AlertSet], symbols: Sequence[str]) -> None:
        """Take the alerts of ``sets``; ``symbols[slot]`` names each slot (slots only grow)."""
        sets = [s for s in sets if len(s)]
        if not sets:
            return
        self._symbols.update(symbols)
        self._pending += sets
        self._pending_count += sum(len(s) for s in sets)
        if self._pending_count >= self._flush_alerts:
            self._flush()

    def commit(self) -> None:
        """Write what is pending, put the lines in order if runs overlapped, rename to ``out``."""
        self._flush()
        try:
            if not _runs_in_order(self._keys):
                keys = np.concatenate(self._keys, axis=1)
                self._reorder(keys[3], np.lexsort((keys[2], keys[1], keys[0])))
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self._temp, self._out)
        except OSError as exc:
            raise InputError(f"cannot write {self._out}: {exc.strerror or exc}") from None

    def discard(self) -> None:
        self._handle.close()
        self._temp.unlink(missing_ok=True)

    def __enter__(self) -> AlertWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None or not self._handle.closed:
            self.discard()

    def _flush(self) -> None:
        pending, self._pending, self._pending_count = self._pending, [], 0
        if not pending:
            return
        sets = _merged(pending)
        parts: list[npt.NDArray[np.int64]] = []
        used = 0
        for alert_set in sets:  # encoded one after another into a reused array
            text, lengths = encode_set(alert_set, self._symbols, self._text[used:])
            if not np.may_share_memory(text, self._text):  # it did not fit: grow, copy
                self._text = _grown(self._text, used, used + text.shape[0])
                self._text[used : used + text.shape[0]] = text
            used += text.shape[0]
            parts.append(lengths)
        data = self._text[:used]
        lengths = np.concatenate(parts)
        keys = np.stack(
            [
                np.concatenate([s.ts for s in sets]),
                np.concatenate([s.ordinal for s in sets]),
                np.concatenate([np.full(len(s), s.detector, np.int64) for s in sets]),
                lengths,
            ]
        )
        order = np.lexsort((keys[2], keys[1], keys[0]))
        self._keys.append(keys[:, order])
        self.count += int(order.shape[0])
        try:
            self._lines = _grown(self._lines, 0, used)
            self._handle.write(gather_lines(data, lengths, order, self._lines).data)
        except OSError as exc:
            raise InputError(f"cannot write {self._out}: {exc.strerror or exc}") from None

    def _reorder(self, lengths: npt.NDArray[np.int64], order: npt.NDArray[np.int64]) -> None:
        """Rewrite the temporary file with its lines in ``order`` (runs overlapped in time)."""
        self._handle.flush()
        lengths_list = lengths.tolist()
        starts = [0, *np.cumsum(lengths[:-1]).tolist()]
        handle, temp = _temporary(self._out)
        try:
            with (
                handle,
                open(self._temp, "rb") as src,
                mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ) as view,
            ):
                for at in range(0, order.shape[0], _REORDER_LINES):
                    part = order[at : at + _REORDER_LINES].tolist()
                    handle.write(
                        b"".join(view[starts[i] : starts[i] + lengths_list[i]] for i in part)
                    )
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        self._handle.close()
        self._temp.unlink(missing_ok=True)
        self._handle, self._temp = open(temp, "ab"), temp  # noqa: SIM115 - closed at commit


def _runs_in_order(runs: Sequence[npt.NDArray[np.int64]]) -> bool:
    """Whether the sorted runs follow each other in order: each run's first key
    (ts, ordinal, detector) is not below the one before's last."""
    ends = [run for run in runs if run.shape[1]]
    return all(
        tuple(before[:3, -1].tolist()) <= tuple(after[:3, 0].tolist())
        for before, after in itertools.pairwise(ends)
    )


def _merged(sets: Sequence[AlertSet]) -> list[AlertSet]:
    """The same alerts in a few long sets: encoding costs per set as much as per alert.

    Only sets whose condition columns have the same dtypes are merged, so that
    no value changes type (an integer stays an integer in the text).
    """
    parts: dict[tuple[tuple[str, str], ...], list[AlertSet]] = {}
    for s in sets:
        signature = tuple((k, np.asarray(v).dtype.str) for k, v in s.conditions.items())
        parts.setdefault(signature, []).append(s)
    return [merged for part in parts.values() for merged in merge_sets(part)]


def _grown(buffer: npt.NDArray[np.uint8], keep: int, size: int) -> npt.NDArray[np.uint8]:
    """``buffer`` if it holds ``size`` bytes, else a larger copy of its first ``keep``."""
    if buffer.shape[0] >= size:
        return buffer
    bigger = np.empty(max(size, 2 * buffer.shape[0]), np.uint8)
    bigger[:keep] = buffer[:keep]
    return bigger


def _temporary(out: Path) -> tuple[IO[bytes], Path]:
    directory = out.parent if str(out.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the caller
            "wb", dir=directory, prefix=f".{out.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return handle, Path(handle.name)


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
