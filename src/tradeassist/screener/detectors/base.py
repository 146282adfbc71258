"""The detector plugin interface.

A detector is any object with the attributes and methods of :class:`Detector`
(subclassing :class:`BaseDetector` gives the defaults). The engine calls
``detect(view, state)`` once per batch with the batch's trades
(:class:`~tradeassist.screener.view.BatchView`) and the detector's own
:class:`DetectorState`; the detector returns :class:`Events`: which rows
fire which of its alert types, at which level, with which conditions. The
engine turns events into alerts, applying cooldowns (for ``cooldown_types``),
the global filters (when ``filtered``) and the alert's metadata.

Rules for a detector, so that live, replay and backtest agree:
- process rows in order and keep all memory in ``state.array(...)`` per-symbol
  arrays, so the result cannot depend on where the stream is cut into batches;
- trigger only on ``view.eligible`` rows (the engine drops others anyway, but a
  detector that consumed a once-a-day flag on such a row would lose it);
- plain numpy is enough; numba is optional.

Register a detector under the entry-point group ``tradeassist.detectors``; the
target is a class (or callable) taking the :class:`ScreenerConfig`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from tradeassist.market_calendar import Session
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.view import BatchView, StatusView

__all__ = [
    "BaseDetector",
    "DayContext",
    "Detector",
    "DetectorState",
    "Events",
    "Parameter",
    "detector_param",
]


@dataclass(frozen=True, slots=True)
class Parameter:
    """One tunable of a detector: its settings name, default, current value, meaning."""

    name: str
    default: Any
    value: Any
    description: str


@dataclass(frozen=True, slots=True)
class Events:
    """What a detector found in one view.

    ``rows`` are positions in the view; ``kinds`` index the detector's
    ``alert_types``; ``levels`` are escalation levels (NaN, or ``None`` for all
    rows: the alert's level is its trigger minute ``HH:MM`` ET); each
    ``conditions`` array holds one value per event (numbers or strings; a NaN
    leaves that condition out of that event's alert).
    """

    rows: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.int64]
    levels: npt.NDArray[np.float64] | None = None
    conditions: Mapping[str, npt.NDArray[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    @classmethod
    def empty(cls) -> Events:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64))


@dataclass(slots=True)
class DayContext:
    """Facts of the current trading day shared by every detector (engine-owned).

    Arrays are indexed by slot: ``prev_close`` in dollars (NaN: not in the
    reference), ``prev_close_fixed`` the same in fixed-point (0: none),
    ``avg_volume`` average daily shares (NaN: none). ``curve`` holds the
    expected share of a day's volume per minute from 04:00 ET.
    """

    config: ScreenerConfig
    curve: npt.NDArray[np.float64]
    trading_day: dt.date | None = None
    session: Session | None = None
    symbols: list[str] = field(default_factory=list)
    prev_close: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    prev_close_fixed: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    avg_volume: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))


class DetectorState:
    """A detector's per-symbol memory plus read access to the day's context.

    ``array(name, dtype, fill)`` returns the same array on every call of a day;
    the engine refills it with ``fill`` when the trading day changes and grows
    it (new slots get ``fill``) when symbols are added.
    """

    __slots__ = ("_arrays", "_capacity", "context")

    def __init__(self, context: DayContext, capacity: int) -> None:
        self.context = context
        self._capacity = capacity
        self._arrays: dict[str, tuple[npt.NDArray[Any], Any]] = {}

    def array(self, name: str, dtype: npt.DTypeLike, fill: Any) -> npt.NDArray[Any]:
        """The per-slot array ``name`` (created on first use, filled with ``fill``)."""
        entry = self._arrays.get(name)
        if entry is None:
            entry = (np.full(self._capacity, fill, dtype=dtype), fill)
            self._arrays[name] = entry
        return entry[0]

    @property
    def config(self) -> ScreenerConfig:
        return self.context.config

    @property
    def session(self) -> Session | None:
        return self.context.session

    @property
    def symbols(self) -> list[str]:
        return self.context.symbols

    def reset(self) -> None:
        """Engine hook: a new trading day starts."""
        for arr, fill in self._arrays.values():
            arr.fill(fill)

    def grow(self, capacity: int) -> None:
        """Engine hook: room for ``capacity`` slots, keeping what is stored."""
        for name, (arr, fill) in list(self._arrays.items()):
            bigger = np.full(capacity, fill, dtype=arr.dtype)
            bigger[: arr.shape[0]] = arr
            self._arrays[name] = (bigger, fill)
        self._capacity = capacity


@runtime_checkable
class Detector(Protocol):
    """The plugin interface (see the module docstring)."""

    name: str
    alert_types: tuple[str, ...]
    cooldown_types: frozenset[str]
    filtered: bool

    def parameters(self) -> list[Parameter]: ...

    def reset_day(self, state: DetectorState) -> None: ...

    def detect(self, view: BatchView, state: DetectorState) -> Events: ...

    def detect_status(self, view: StatusView, state: DetectorState) -> Events: ...


class BaseDetector:
    """Defaults for a detector: no cooldown, filtered, nothing per day, no status alerts."""

    name: str = "base"
    alert_types: tuple[str, ...] = ()
    cooldown_types: frozenset[str] = frozenset()
    filtered: bool = True

    def __init__(self, config: ScreenerConfig | None = None) -> None:
        self.config = config or ScreenerConfig()

    def parameters(self) -> list[Parameter]:
        return []

    def reset_day(self, state: DetectorState) -> None:
        return None

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        return Events.empty()

    def detect_status(self, view: StatusView, state: DetectorState) -> Events:
        return Events.empty()


def detector_param(config: ScreenerConfig, detector: str, key: str, default: float) -> float:
    """A third-party detector's parameter: ``config.detector_params[detector][key]`` or default."""
    return float(config.detector_params.get(detector, {}).get(key, default))
