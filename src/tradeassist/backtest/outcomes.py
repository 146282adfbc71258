"""Outcomes of graded alerts: as columns for many alerts, as an object for one.

Returns are fractions signed in the alert's direction (see
:mod:`tradeassist.backtest.grading`): ``gap_down``, ``new_low_of_day`` and
``vwap_loss`` are short; halts and resumptions are graded as long.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeassist.backtest.simulate_trades import EXIT_REASONS, SimTrade, TradeColumns
from tradeassist.domain.alerts import Alert

__all__ = [
    "NON_DIRECTIONAL_TYPES",
    "SHORT_TYPES",
    "Outcome",
    "OutcomeColumns",
    "direction_of",
]

SHORT_TYPES = frozenset({"gap_down", "new_low_of_day", "vwap_loss"})
NON_DIRECTIONAL_TYPES = frozenset({"trading_halt", "trading_resume"})
F64 = npt.NDArray[np.float64]


def direction_of(alert_type: str) -> int:
    """+1 for long-direction alert types (and halts), -1 for short-direction ones."""
    return -1 if alert_type in SHORT_TYPES else 1


@dataclass(frozen=True, slots=True)
class OutcomeColumns:
    """Outcomes of many alerts: ``returns``/``prices`` are (alerts x horizons), NaN where
    unknown; ``hit`` is 1, 0 or -1 (unknown); ``traded`` marks rows of ``trades``."""

    returns: F64
    prices: F64
    mfe: F64
    mae: F64
    hit: npt.NDArray[np.int8]
    complete: npt.NDArray[np.bool_]
    traded: npt.NDArray[np.bool_]
    trades: TradeColumns

    def __len__(self) -> int:
        return int(self.mfe.shape[0])


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the price did after one alert (one row of :class:`OutcomeColumns`).

    ``returns`` and ``prices`` are keyed by horizon (signed fractions; dollars),
    None where unknown; ``mfe``/``mae`` signed fractions; ``hit`` whether the
    hit horizon's return is positive; ``trade`` the simulated trade.
    """

    alert: Alert
    direction: int
    returns: dict[str, float | None]
    prices: dict[str, float | None]
    mfe: float | None
    mae: float | None
    hit: bool | None
    trade: SimTrade | None = None
    complete: bool = True

    @classmethod
    def of(cls, alert: Alert, cols: OutcomeColumns, i: int, horizons: tuple[str, ...]) -> Outcome:
        def value(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        direction = direction_of(alert.alert_type)
        trade = None
        if cols.traded[i]:
            t = cols.trades
            trade = SimTrade(
                direction=direction,
                quantity=t.quantity,
                entry_price=float(t.entry_price[i]),
                entry_ns=alert.trigger_time_ns,
                exit_price=float(t.exit_price[i]),
                exit_ns=int(t.exit_ns[i]),
                exit_reason=EXIT_REASONS[int(t.reason[i])],
                pnl=float(t.pnl[i]),
                return_pct=float(t.return_pct[i]),
            )
        hit = int(cols.hit[i])
        return cls(
            alert=alert,
            direction=direction,
            returns={h: value(cols.returns[i, k]) for k, h in enumerate(horizons)},
            prices={h: value(cols.prices[i, k]) for k, h in enumerate(horizons)},
            mfe=value(cols.mfe[i]),
            mae=value(cols.mae[i]),
            hit=None if hit < 0 else bool(hit),
            trade=trade,
            complete=bool(cols.complete[i]),
        )
