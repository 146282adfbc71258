"""The durable alert spool used while the database is down."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeassist.domain.alerts import Alert
from tradeassist.errors import StorageError
from tradeassist.live.spool import AlertSpool


def alert(n: int) -> Alert:
    return Alert(
        symbol=f"S{n}",
        alert_type="gap_up",
        trigger_price=10.25 + n,
        trigger_time_ns=1_773_149_400_123_456_789 + n,
        trading_day="2026-03-10",
        level="3",
        conditions={"pct_move": 3.5, "previous_close": 9.9, "nothing": None},
        metadata={"bid": 10.2, "ask": None, "spread": None},
    )


def test_spooled_alerts_survive_a_reopen_in_order(tmp_path: Path) -> None:
    path = tmp_path / "spool" / "alerts.jsonl"
    spool = AlertSpool(path)
    spool.append([alert(1), alert(2)])
    spool.append([alert(3)])
    spool.close()
    reopened = AlertSpool(path)
    assert reopened.pending == 3
    assert [a for chunk in reopened.chunks(2) for a in chunk] == [alert(1), alert(2), alert(3)]
    reopened.clear()
    assert reopened.pending == 0 and path.read_bytes() == b""
    reopened.close()


def test_a_torn_last_line_from_a_crash_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    spool = AlertSpool(path)
    spool.append([alert(1)])
    spool.close()
    with path.open("ab") as fh:
        fh.write(b'{"symbol": "HALF')
    reopened = AlertSpool(path)
    assert reopened.pending == 1
    reopened.append([alert(2)])
    assert [a.symbol for chunk in reopened.chunks(10) for a in chunk] == ["S1", "S2"]
    reopened.close()


def test_one_process_at_a_time_owns_a_spool(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    first = AlertSpool(path)
    with pytest.raises(StorageError, match="in use"):
        AlertSpool(path)
    first.close()
    AlertSpool(path).close()
