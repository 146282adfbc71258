"""Small user-given CSV tables (reference data, corporate actions), read with clear errors.

Every error is a ReferenceDataError whose one-line message names the file and,
where it applies, the line (``path:line: ...``).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from pathlib import Path

from tradeassist.errors import ReferenceDataError

__all__ = ["number", "read_rows"]

_GZIP_MAGIC = b"\x1f\x8b"


def read_rows(path: Path, columns: tuple[str, ...], what: str) -> list[tuple[int, tuple[str, ...]]]:
    """The data rows of a CSV file (plain or gzip) as (line number, cells of ``columns``).

    The header must name every one of ``columns`` (case and surrounding spaces
    ignored; other columns are ignored). Blank lines are skipped; cells are
    stripped. ``what`` describes the file in messages ("reference data").
    """
    try:
        raw = path.read_bytes()
        if raw[:2] == _GZIP_MAGIC:
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ReferenceDataError(f"{path}: cannot read {what} ({reason})") from exc
    except (UnicodeDecodeError, EOFError) as exc:
        raise ReferenceDataError(f"{path}: {what} is not a text CSV file") from exc
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, tuple[str, ...]]] = []
    try:
        header = next(reader, None)
        if header is None:
            raise ReferenceDataError(f"{path}: {what} is empty (no header line)")
        names = [name.strip().lower() for name in header]
        missing = [c for c in columns if c not in names]
        if missing:
            raise ReferenceDataError(
                f"{path}:1: {what} needs the columns {','.join(columns)}; the header has"
                f" {','.join(names) or 'nothing'}"
            )
        index = [names.index(c) for c in columns]
        for row in reader:
            if not (row and row[0].strip()) and not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise ReferenceDataError(
                    f"{path}:{reader.line_num}: {len(row)} fields where the header has {len(names)}"
                )
            rows.append((reader.line_num, tuple([row[i].strip() for i in index])))
    except csv.Error as exc:
        raise ReferenceDataError(f"{path}:{reader.line_num}: unreadable CSV ({exc})") from exc
    return rows


def number(text: str, path: Path, line: int, column: str, *, positive: bool) -> float:
    """``text`` as a finite float, > 0 when ``positive`` else >= 0; ReferenceDataError if not."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "a positive number" if positive else "a number >= 0"
        raise ReferenceDataError(f"{path}:{line}: {column} must be {bound}, not {text!r}")
    return value
