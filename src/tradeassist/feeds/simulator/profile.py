"""The day's clock: session times, the activity curve and the calm volume budget.

Minutes are counted from 04:00 US/Eastern (index 0) to 20:00 (959), like
``tradeassist.screener.volume_curve``. On an ordinary day the activity curve
(the share of a symbol's records and volume per minute) is that curve; on an
early-close day its regular part is cut at the close and after hours start
there. The volume spike detector may read either curve for the minute of a
trade, so the calm volume cap uses the smaller of the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.errors import InputError
from tradeassist.market_calendar import Session, trading_calendar
from tradeassist.screener.volume_curve import (
    DAY_MINUTES,
    PREMARKET_MINUTES,
    REGULAR_MINUTES,
    default_curve,
)

__all__ = ["CALM_MULTIPLE", "CALM_WINDOW_FLOOR", "MINUTE_NS", "NS", "DayProfile"]

NS = 1_000_000_000
MINUTE_NS = 60 * NS
# A calm symbol's trailing 60 s volume stays under this multiple of the expected
# volume (the spike detector fires at 5x) ...
CALM_MULTIPLE = 1.9
# ... or under this many shares, far below the detector's 10,000-share minimum.
CALM_WINDOW_FLOOR = 4_500

F64 = npt.NDArray[np.float64]


def _activity(curve: F64, open_idx: int, close_idx: int) -> F64:
    """The engine curve re-timed to this session's open and close, summing to 1."""
    m = np.arange(DAY_MINUTES)
    src = np.where(
        m < open_idx,
        np.minimum(m, PREMARKET_MINUTES - 1),
        np.where(
            m < close_idx,
            np.minimum(PREMARKET_MINUTES + m - open_idx, PREMARKET_MINUTES + REGULAR_MINUTES - 1),
            np.minimum(PREMARKET_MINUTES + REGULAR_MINUTES + m - close_idx, DAY_MINUTES - 1),
        ),
    )
    act = curve[src]
    return np.asarray(act / act.sum(), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class DayProfile:
    """Session boundaries (UTC ns) and per-minute shares for one trading day."""

    session: Session
    curve: F64
    activity: F64
    cdf: F64
    calm_share: F64

    @classmethod
    def for_day(cls, day: dt.date) -> DayProfile:
        """The profile of ``day``; ``InputError`` when the market is closed that day."""
        session = trading_calendar().session(day)
        if session is None:
            raise InputError(f"{day.isoformat()} is not a trading session (weekend or holiday)")
        curve = np.asarray(default_curve(), dtype=np.float64)
        open_idx = (session.open_ns - session.premarket_open_ns) // MINUTE_NS
        close_idx = (session.close_ns - session.premarket_open_ns) // MINUTE_NS
        activity = _activity(curve, open_idx, close_idx)
        cdf = np.concatenate([[0.0], np.cumsum(activity)])
        cdf[-1] = 1.0
        calm_share = np.minimum(curve, activity)
        return cls(session, curve, activity, cdf, calm_share)

    @property
    def start_ns(self) -> int:
        return self.session.premarket_open_ns

    @property
    def open_ns(self) -> int:
        return self.session.open_ns

    @property
    def close_ns(self) -> int:
        return self.session.close_ns

    @property
    def end_ns(self) -> int:
        return self.session.after_hours_close_ns

    def minute_of(self, ts_ns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Minute index (0 = 04:00 ET) of each timestamp, clipped to the day."""
        m = (ts_ns - self.start_ns) // MINUTE_NS
        return np.clip(m, 0, DAY_MINUTES - 1).astype(np.int64)

    def minute_ns(self, minute: float) -> int:
        """UTC ns of a (fractional) minute index."""
        return self.start_ns + round(minute * MINUTE_NS)

    def times_at(self, quantiles: F64) -> npt.NDArray[np.int64]:
        """Map activity quantiles in [0, 1) to timestamps (records follow the curve)."""
        minutes = np.interp(quantiles, self.cdf, np.arange(DAY_MINUTES + 1, dtype=np.float64))
        ts = self.start_ns + (minutes * MINUTE_NS).astype(np.int64)
        return np.minimum(ts, self.end_ns - 1)

    def calm_cap(self, avg_volume: F64, minute: npt.NDArray[np.int64]) -> F64:
        """Most shares a calm symbol may trade in any 60 s window ending in ``minute``."""
        expected = avg_volume * self.calm_share[minute]
        return np.maximum(CALM_MULTIPLE * expected, float(CALM_WINDOW_FLOOR))
