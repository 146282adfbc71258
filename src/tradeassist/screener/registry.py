"""Finding detectors: every one, built-in or third-party, is an entry point.

The group is ``tradeassist.detectors``; each entry's target is a class (or any
callable) that takes the :class:`ScreenerConfig` and returns a
:class:`~tradeassist.screener.detectors.base.Detector`. Built-ins are declared
in this package's own metadata the same way, so a third-party package adds a
detector by declaring one more entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points

from tradeassist.domain.alerts import ALERT_TYPES
from tradeassist.errors import ConfigError
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import Detector

__all__ = ["GROUP", "detector_factories", "load_detectors", "ordered"]

GROUP = "tradeassist.detectors"

DetectorFactory = Callable[[ScreenerConfig], Detector]


def _entries() -> list[EntryPoint]:
    return sorted(entry_points(group=GROUP), key=lambda e: e.name)


def detector_factories() -> dict[str, DetectorFactory]:
    """Every registered detector factory by entry-point name (imports each one)."""
    factories: dict[str, DetectorFactory] = {}
    for entry in _entries():
        try:
            factories[entry.name] = entry.load()
        except Exception as exc:  # a broken plugin must not take the screener down silently
            raise ConfigError(
                f"detector plugin {entry.name!r} ({entry.value}) failed to load: {exc}"
            ) from None
    return factories


def ordered(detectors: Sequence[Detector]) -> list[Detector]:
    """Built-in alert types first, in the order of ALERT_TYPES; then the others by name.

    The engine breaks ties between alerts of one record by this order.
    """

    def key(det: Detector) -> tuple[int, str]:
        ranks = [ALERT_TYPES.index(t) for t in det.alert_types if t in ALERT_TYPES]
        return (min(ranks) if ranks else len(ALERT_TYPES), det.name)

    return sorted(detectors, key=key)


def load_detectors(config: ScreenerConfig, names: Sequence[str] | None = None) -> list[Detector]:
    """Instantiate the registered detectors (or only ``names``) with ``config``."""
    factories = detector_factories()
    wanted = list(factories) if names is None else list(names)
    unknown = [n for n in wanted if n not in factories]
    if unknown:
        known = ", ".join(sorted(factories)) or "none"
        raise ConfigError(f"unknown detector {unknown[0]!r}; registered: {known}")
    detectors = [factories[n](config) for n in wanted]
    for det in detectors:
        if not isinstance(det, Detector):
            raise ConfigError(f"detector {det!r} does not implement the Detector interface")
    return ordered(detectors)
