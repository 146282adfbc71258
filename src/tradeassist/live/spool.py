"""A durable local spool for alerts while the database is unreachable.

An append-only file of JSON lines (one alert each) under the data directory.
Every append is flushed and ``fsync``-ed before it returns, so an alert the
screener accepted survives a crash of the process or the machine. When the
database is back the sink flushes the spool (in order, in chunks) and then
empties it; alerts carry idempotency keys, so flushing the same alert twice
(a crash between the insert and the truncation) stores it once.

One process owns a spool file at a time (an exclusive ``flock``); a torn last
line left by a crash mid-append is cut off when the file is opened.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tradeassist.domain.alerts import Alert, alert_doc, alert_from_doc
from tradeassist.errors import StorageError
from tradeassist.store.upsert import json_safe

__all__ = ["AlertSpool", "alert_from_json", "alert_to_json"]

log = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    # numpy scalars and the like: JSON numbers through their Python value.
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def alert_to_json(alert: Alert) -> str:
    """One alert as a JSON object on one line (every field, times in UTC ns)."""
    return json.dumps(json_safe(alert_doc(alert)), default=_plain, separators=(",", ":"))


def alert_from_json(text: str) -> Alert:
    """Inverse of :func:`alert_to_json`; raises ValueError for a malformed line."""
    try:
        return alert_from_doc(json.loads(text))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed spooled alert ({exc})") from None


class AlertSpool:
    """The spool file at ``path`` (created with its folder); close it when done."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise StorageError(
                f"cannot open the alert spool {self._path}: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StorageError(
                f"the alert spool {self._path} is in use by another screener process"
            ) from None
        self._fd = fd
        self._pending = self._recover()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def pending(self) -> int:
        """Alerts in the spool, not yet flushed to the database."""
        return self._pending

    def append(self, alerts: Sequence[Alert]) -> None:
        """Write ``alerts`` durably (flushed and fsync-ed) before returning."""
        if not alerts:
            return
        data = "".join(alert_to_json(a) + "\n" for a in alerts).encode("utf-8")
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
        except OSError as exc:
            raise StorageError(
                f"cannot write the alert spool {self._path}: {exc.strerror}"
            ) from None
        self._pending += len(alerts)

    def chunks(self, size: int) -> Iterator[list[Alert]]:
        """The spooled alerts in order, ``size`` at a time (malformed lines skipped)."""
        chunk: list[Alert] = []
        with open(self._path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                try:
                    chunk.append(alert_from_json(line))
                except ValueError as exc:
                    log.error("alert spool %s line %d skipped: %s", self._path, number, exc)
                    continue
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    def clear(self) -> None:
        """Empty the spool once everything in it is in the database."""
        try:
            os.ftruncate(self._fd, 0)
            os.fsync(self._fd)
        except OSError as exc:
            raise StorageError(
                f"cannot empty the alert spool {self._path}: {exc.strerror}"
            ) from None
        self._pending = 0

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock
            self._fd = -1

    def _recover(self) -> int:
        """Cut a torn last line; count the complete ones."""
        with open(self._path, "rb") as fh:
            data = fh.read()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            log.warning("alert spool %s: cutting a torn last line", self._path)
            os.ftruncate(self._fd, keep)
            os.fsync(self._fd)
            data = data[:keep]
        return data.count(b"\n")
