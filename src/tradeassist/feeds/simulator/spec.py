"""What to simulate (``SimulationSpec``) and what was written (``SimulationResult``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tradeassist.errors import InputError

__all__ = ["MIN_RECORDS_PER_SYMBOL", "PlantCounts", "SimulationResult", "SimulationSpec"]

MIN_RECORDS_PER_SYMBOL = 100
MAX_SYMBOLS = 50_000
_MIN_SYMBOLS_FOR_DEFAULT_PLANTS = 50


@dataclass(frozen=True, slots=True)
class PlantCounts:
    """How many symbols carry each planted pattern (``breakouts`` is per breakout kind)."""

    gap_ups: int
    gap_downs: int
    volume_spikes: int
    breakouts: int
    decoys: int

    @property
    def total(self) -> int:
        from tradeassist.feeds.simulator.events import BREAKOUT_KINDS

        fixed = self.gap_ups + self.gap_downs + self.volume_spikes
        return fixed + self.breakouts * len(BREAKOUT_KINDS)


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    """One synthetic market day.

    ``records`` is the exact number of MBP-1 records written. Planted counts left
    at ``None`` scale with ``symbols`` (at least one of each from 50 symbols on);
    ``breakouts`` is per breakout kind and ``decoys`` counts sub-dollar symbols
    that gap and spike but must raise nothing (the $1.00 price filter).
    ``odd_lot_share`` and ``late_print_share`` are fractions of trades.
    """

    symbols: int = 500
    records: int = 1_000_000
    day: dt.date = dt.date(2026, 3, 10)
    seed: int = 7
    gap_ups: int | None = None
    gap_downs: int | None = None
    volume_spikes: int | None = None
    breakouts: int | None = None
    decoys: int | None = None
    odd_lot_share: float = 0.08
    late_print_share: float = 0.001
    dataset: str = "TRADEASSIST.SIM"
    publisher_id: int = 95
    zstd_level: int = 3

    def validate(self) -> None:
        """Raise ``InputError`` (one line) for a spec no day can be built from."""
        if not 1 <= self.symbols <= MAX_SYMBOLS:
            raise InputError(f"--symbols must be between 1 and {MAX_SYMBOLS:,}, not {self.symbols}")
        least = MIN_RECORDS_PER_SYMBOL * self.symbols
        if self.records < least:
            raise InputError(
                f"--records must be at least {MIN_RECORDS_PER_SYMBOL} per symbol "
                f"({least:,} for {self.symbols:,} symbols), not {self.records:,}"
            )
        if self.records >= 2**32:
            raise InputError("--records must stay below 4,294,967,296 (DBN sequence numbers)")
        for name in ("odd_lot_share", "late_print_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 0.5:
                raise InputError(f"{name} must be between 0 and 0.5, not {share}")
        for name in ("gap_ups", "gap_downs", "volume_spikes", "breakouts", "decoys"):
            count = getattr(self, name)
            if count is not None and count < 0:
                raise InputError(f"{name} must not be negative")
        if not 0 <= self.publisher_id < 2**16:
            raise InputError(f"publisher_id must fit in 16 bits, not {self.publisher_id}")

    def plant_counts(self) -> PlantCounts:
        """The planted counts, defaults filled in (about 0.5% of symbols per gap/spike kind)."""
        auto = self.symbols >= _MIN_SYMBOLS_FOR_DEFAULT_PLANTS

        def pick(given: int | None, share: float) -> int:
            if given is not None:
                return given
            return max(1, round(self.symbols * share)) if auto else 0

        return PlantCounts(
            gap_ups=pick(self.gap_ups, 0.005),
            gap_downs=pick(self.gap_downs, 0.005),
            volume_spikes=pick(self.volume_spikes, 0.005),
            breakouts=pick(self.breakouts, 0.0025),
            decoys=pick(self.decoys, 0.005),
        )

    def as_json(self) -> dict[str, Any]:
        """The spec as JSON-ready values (for the ground-truth file)."""
        out = asdict(self)
        out["day"] = self.day.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """What ``simulate_day`` wrote: counts and the three output paths."""

    records: int
    symbols: int
    events: int
    dbn_path: Path
    reference_path: Path
    truth_path: Path
