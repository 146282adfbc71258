from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np

from tradeassist.screener.alert_bytes import _write_time
from tradeassist.screener.alert_set import DayLabels

NS_PER_DAY = 86_400 * 1_000_000_000


def _text(ts: int) -> str:
    out = np.zeros(64, np.uint8)
    end = _write_time(out, 0, ts)
    return out[:end].tobytes().decode()


def test_trigger_times_are_written_as_numpy_writes_them() -> None:
    # Day boundaries around leap days, century years and the epoch, plus random instants.
    days = [0, 59, 60, 365, 10_956, 11_016, 11_017, 47_541, 47_542, 20_522, 106_700]
    edges = [d * NS_PER_DAY + off for d in days for off in (0, 1, NS_PER_DAY - 1)]
    rng = np.random.default_rng(3)
    randoms = rng.integers(0, 106_700 * NS_PER_DAY, 20_000).tolist()
    values = np.array(edges + randoms, np.int64)

    expected = np.datetime_as_string(values.astype("datetime64[ns]"), unit="ns").tolist()

    assert [_text(int(v)) for v in values] == expected


def test_minute_labels_are_eastern_wall_clock_minutes_on_clock_change_days() -> None:
    eastern = zoneinfo.ZoneInfo("America/New_York")
    # The Mondays after the spring and autumn clock changes, their Sundays, a plain day.
    for day in (
        dt.date(2026, 3, 8),
        dt.date(2026, 3, 9),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 2),
        dt.date(2014, 6, 9),
    ):
        opens = dt.datetime(day.year, day.month, day.day, 4, tzinfo=eastern)
        labels = DayLabels(day, int(opens.timestamp()) * 1_000_000_000)
        for minute in range(0, 960, 7):
            ts = int((opens + dt.timedelta(minutes=minute, seconds=30)).timestamp()) * 10**9
            expected = dt.datetime.fromtimestamp(ts // 10**9, tz=eastern).strftime("%H:%M")
            assert labels.minute(ts) == expected
