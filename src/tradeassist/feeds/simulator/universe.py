"""The simulated symbols: tickers, instrument ids, previous closes, volumes, record counts.

Prices are Databento fixed-point integers (1e-9 dollars) on the symbol's tick
($0.01, or $0.0001 below $1); volumes are shares. Everything derives from the
seed, so the same spec gives the same universe.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["PRICE_SCALE", "Universe", "allocate", "build_universe"]

PRICE_SCALE = 1_000_000_000
CENT = PRICE_SCALE // 100
SUB_PENNY = PRICE_SCALE // 10_000

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_LENGTH_P = (0.01, 0.08, 0.33, 0.46, 0.12)  # tickers of 1..5 letters
_OSCILLATORS = 3


@dataclass(frozen=True, slots=True)
class Universe:
    """Per-symbol arrays, all indexed like ``symbols`` (sorted alphabetically)."""

    symbols: list[str]
    instrument_ids: npt.NDArray[np.uint32]
    prev_close: I64
    tick: I64
    avg_volume: I64
    spread_ticks: I64
    sub_dollar: npt.NDArray[np.bool_]
    osc_amp: F64
    osc_period_min: F64
    osc_phase: F64
    volume_factor: F64

    def __len__(self) -> int:
        return len(self.symbols)


def _tickers(rng: np.random.Generator, count: int) -> list[str]:
    letters = np.array(list(string.ascii_uppercase))
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        batch = 2 * (count - len(out)) + 64
        lengths = rng.choice(5, size=batch, p=_LENGTH_P) + 1
        chars = letters[rng.integers(0, 26, size=(batch, 5))]
        for row, length in zip(chars, lengths, strict=True):
            name = "".join(row[:length])
            if name not in seen:
                seen.add(name)
                out.append(name)
                if len(out) == count:
                    break
    return sorted(out)


def build_universe(seed: int, count: int, sub_dollar: int) -> Universe:
    """``count`` symbols, ``sub_dollar`` of them priced under $1 (decoys for the price filter)."""
    rng = np.random.default_rng([seed, 0])
    symbols = _tickers(rng, count)
    ids = np.sort(rng.choice(np.arange(100, 100 + 40 * count + 1000), size=count, replace=False))

    dollars = np.exp(rng.uniform(np.log(2.0), np.log(500.0), size=count))
    is_sub = np.zeros(count, dtype=np.bool_)
    is_sub[rng.choice(count, size=min(sub_dollar, count), replace=False)] = True
    dollars[is_sub] = rng.uniform(0.20, 0.85, size=int(is_sub.sum()))
    tick = np.where(is_sub, SUB_PENNY, CENT).astype(np.int64)
    prev_close = np.maximum(np.round(dollars * PRICE_SCALE / tick), 1).astype(np.int64) * tick

    avg_volume = (np.exp(rng.uniform(np.log(5e4), np.log(5e7), size=count)) // 100 * 100).astype(
        np.int64
    )
    # Cheap stocks quote one or two ticks wide; expensive ones wider.
    widest = np.where(dollars < 5, 2, np.where(dollars < 50, 3, 5))
    spread_ticks = rng.integers(1, widest + 1).astype(np.int64)

    # The calm price path: three sinusoids of random period and phase per symbol, with a
    # total amplitude of 0.5-1.4% of the previous close (mean-reverting by construction).
    amp = rng.dirichlet(np.ones(_OSCILLATORS), size=count) * rng.uniform(0.005, 0.014, (count, 1))
    period = np.exp(rng.uniform(np.log(8.0), np.log(400.0), size=(count, _OSCILLATORS)))
    phase = rng.uniform(0.0, 2 * np.pi, size=(count, _OSCILLATORS))
    volume_factor = rng.uniform(0.85, 1.15, size=count)
    return Universe(
        symbols=symbols,
        instrument_ids=ids.astype(np.uint32),
        prev_close=prev_close,
        tick=tick,
        avg_volume=avg_volume,
        spread_ticks=spread_ticks,
        sub_dollar=is_sub,
        osc_amp=amp,
        osc_period_min=period,
        osc_phase=phase,
        volume_factor=volume_factor,
    )


def allocate(total: int, weights: F64) -> I64:
    """Split ``total`` into integers proportional to ``weights`` that sum to ``total`` exactly."""
    if total <= 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=np.int64)
    share = weights / weights.sum() * total
    base: I64 = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    if rest > 0:
        # Largest remainders first; ties broken by index so the split is deterministic.
        order = np.lexsort((np.arange(len(share)), -(share - base)))
        base[order[:rest]] += 1
    return base
