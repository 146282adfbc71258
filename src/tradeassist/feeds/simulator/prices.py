"""Where a symbol quotes at a moment: a bounded, mean-reverting path inside a price band.

A path is ``center + wiggle * oscillation + jitter`` as a fraction of the previous
close, where the oscillation is the symbol's sum of sinusoids (amplitude at most
1.4%). The quote is then clamped in whole ticks so that the bid and the ask,
and so every trade printed at or inside them, stay within ``[lo, hi]`` of the
previous close: that band is what keeps a calm symbol away from the gap levels
and what makes a planted pattern fire exactly where it was designed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.feeds.simulator.profile import MINUTE_NS
from tradeassist.feeds.simulator.universe import Universe

__all__ = ["CALM_BAND", "Band", "mid_fraction", "oscillation", "quote_ticks"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
ArrayOrFloat = F64 | float

_JITTER = 0.0004


@dataclass(frozen=True, slots=True)
class Band:
    """A price regime, as fractions of the previous close (``0.02`` is +2%)."""

    center: float
    lo: float
    hi: float
    wiggle: float  # amplitude of the oscillation around ``center`` (fraction)


# Calm symbols never print beyond +/-2%: the first gap level (3%) stays 1% away.
# Their wiggle is their own oscillation amplitude (0.5-1.4%), hence ``nan`` here.
CALM_BAND = Band(center=0.0, lo=-0.02, hi=0.02, wiggle=float("nan"))


def oscillation(universe: Universe, sym: I64, ts: I64, start_ns: int) -> F64:
    """The symbol's calm oscillation at each timestamp, as a fraction of its previous close."""
    minutes = (ts - start_ns).astype(np.float64) / MINUTE_NS
    arg = 2 * np.pi * minutes[:, None] / universe.osc_period_min[sym] + universe.osc_phase[sym]
    return np.asarray((universe.osc_amp[sym] * np.sin(arg)).sum(axis=1), dtype=np.float64)


def quote_ticks(
    universe: Universe,
    sym: I64,
    mid_frac: F64,
    lo: ArrayOrFloat,
    hi: ArrayOrFloat,
    widen: npt.NDArray[np.bool_],
) -> tuple[I64, I64]:
    """Bid and ask in ticks for a mid at ``mid_frac``, both inside ``[lo, hi]``.

    ``widen`` marks quotes one tick wider than the symbol's usual spread.
    """
    close_ticks = (universe.prev_close[sym] // universe.tick[sym]).astype(np.float64)
    lo_t = np.ceil(close_ticks * (1.0 + np.asarray(lo))).astype(np.int64)
    hi_t = np.floor(close_ticks * (1.0 + np.asarray(hi))).astype(np.int64)
    spread = np.minimum(universe.spread_ticks[sym] + widen, 5)
    spread = np.maximum(np.minimum(spread, hi_t - lo_t), 1)
    mid = close_ticks * (1.0 + mid_frac)
    bid = np.rint(mid - spread / 2.0).astype(np.int64)
    bid = np.maximum(np.minimum(bid, hi_t - spread), lo_t)
    return bid, bid + spread


def mid_fraction(
    rng: np.random.Generator,
    wave: F64,
    center: ArrayOrFloat,
    scale: ArrayOrFloat,
) -> F64:
    """``center + scale * wave`` plus a little per-record noise (fractions of the close)."""
    noise = rng.normal(0.0, _JITTER, size=len(wave))
    return np.asarray(center + np.asarray(scale) * wave + noise, dtype=np.float64)
