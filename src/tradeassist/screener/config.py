"""The screener's thresholds as one pure value, built from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradeassist.settings import Settings

__all__ = ["ScreenerConfig"]


@dataclass(frozen=True, slots=True)
class ScreenerConfig:
    """Detector thresholds and global filters; the defaults are PRODUCT.md's.

    Prices are dollars, volumes shares, times seconds or minutes as named.
    ``detector_params`` carries per-detector overrides by detector name, for
    third-party detectors and parameter sweeps.
    """

    min_price: float = 1.0
    min_day_volume: int = 0
    max_spread_pct: float = 0.0
    cooldown_seconds: int = 300
    gap_levels: tuple[float, ...] = (3.0, 5.0, 10.0, 20.0)
    volume_spike_multiple: float = 5.0
    volume_spike_min_shares: int = 10_000
    volume_spike_window_seconds: int = 60
    hod_delay_minutes: int = 15
    opening_range_minutes: int = 5
    vwap_min_minutes: int = 10
    min_trade_size: int = 100
    detector_params: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> ScreenerConfig:
        return cls(
            min_price=settings.min_price,
            min_day_volume=settings.min_day_volume,
            max_spread_pct=settings.max_spread_pct,
            cooldown_seconds=settings.cooldown_seconds,
            gap_levels=tuple(settings.gap_levels),
            volume_spike_multiple=settings.volume_spike_multiple,
            volume_spike_min_shares=settings.volume_spike_min_shares,
            volume_spike_window_seconds=settings.volume_spike_window_seconds,
            hod_delay_minutes=settings.hod_delay_minutes,
            opening_range_minutes=settings.opening_range_minutes,
            vwap_min_minutes=settings.vwap_min_minutes,
            min_trade_size=settings.min_trade_size,
        )
