"""The expected share of a day's volume traded in each minute, for US equities.

Minutes are counted from 04:00 US/Eastern (index 0) to 20:00 (index 959):
pre-market 04:00-09:30 (330 minutes), the regular session 09:30-16:00 (390),
after hours 16:00-20:00 (240). The regular session is U-shaped: the first
minutes after the open trade several times a midday minute, and volume rises
again into the close. Pre-market and after hours carry small shares.
The curve sums to 1, so ``avg_daily_volume * curve[m]`` is the shares expected
in minute ``m`` of an ordinary day.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "AFTER_HOURS_MINUTES",
    "DAY_MINUTES",
    "PREMARKET_MINUTES",
    "REGULAR_MINUTES",
    "default_curve",
]

PREMARKET_MINUTES = 330
REGULAR_MINUTES = 390
AFTER_HOURS_MINUTES = 240
DAY_MINUTES = PREMARKET_MINUTES + REGULAR_MINUTES + AFTER_HOURS_MINUTES

_PREMARKET_SHARE = 0.04
_AFTER_HOURS_SHARE = 0.03


def default_curve() -> npt.NDArray[np.float64]:
    """The built-in intraday curve: 960 per-minute shares of daily volume, summing to 1."""
    m = np.arange(REGULAR_MINUTES, dtype=np.float64)
    # Baseline 1 at midday; the open adds ~5x decaying over ~25 min, the close ~2.5x
    # rising over the last ~20 min (close auction volume is not in continuous trading).
    regular = 1.0 + 5.0 * np.exp(-m / 12.0) + 1.2 * np.exp(-m / 60.0)
    regular += 2.5 * np.exp(-(REGULAR_MINUTES - 1 - m) / 12.0)
    regular *= (1.0 - _PREMARKET_SHARE - _AFTER_HOURS_SHARE) / regular.sum()

    p = np.arange(PREMARKET_MINUTES, dtype=np.float64)
    # Pre-market builds towards the open (news at 07:00-09:30 trades most).
    pre = 0.2 + np.exp((p - PREMARKET_MINUTES) / 60.0)
    pre *= _PREMARKET_SHARE / pre.sum()

    a = np.arange(AFTER_HOURS_MINUTES, dtype=np.float64)
    post = 0.2 + np.exp(-a / 20.0)
    post *= _AFTER_HOURS_SHARE / post.sum()

    curve = np.concatenate([pre, regular, post])
    curve.setflags(write=False)
    return curve
