"""Stock splits from a corporate-actions CSV, used to split-adjust previous closes.

The file has the columns ``symbol,ex_date,split_ratio``, e.g. ``AAPL,2014-06-09,7``
for Apple's 7-for-1 split: from the ex-date on, one old share is 7 new ones, so
a price from before it is divided by 7 (and a share volume multiplied by 7) to
compare with prices on or after it. A 1-for-10 reverse split has ratio 0.1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tradeassist.errors import ReferenceDataError
from tradeassist.feeds.csv_rows import number, read_rows

__all__ = ["CorporateActions", "Split", "load_corporate_actions"]

_COLUMNS = ("symbol", "ex_date", "split_ratio")


@dataclass(frozen=True, slots=True)
class Split:
    """A split of ``symbol`` effective at the open of ``ex_date``.

    ``ratio`` is new shares per old share (7 for 7-for-1, 0.1 for 1-for-10).
    """

    symbol: str
    ex_date: dt.date
    ratio: float


class CorporateActions:
    """The splits of some symbols, and the factor that carries a price across them."""

    def __init__(self, splits: Iterable[Split] = ()) -> None:
        self._by_symbol: dict[str, list[Split]] = {}
        for split in splits:
            self._by_symbol.setdefault(split.symbol, []).append(split)
        for items in self._by_symbol.values():
            items.sort(key=lambda s: s.ex_date)

    def splits(self, symbol: str) -> list[Split]:
        """The splits of ``symbol``, by ex-date."""
        return list(self._by_symbol.get(symbol, ()))

    def symbols(self) -> set[str]:
        return set(self._by_symbol)

    def factor(self, symbol: str, after: dt.date, through: dt.date) -> float:
        """Product of the ratios of ``symbol``'s splits with ``after < ex_date <= through``.

        A price of day ``after`` divided by it (a share count multiplied by it) is
        comparable with prices of day ``through``; 1.0 when no split is between.
        """
        result = 1.0
        for split in self._by_symbol.get(symbol, ()):
            if after < split.ex_date <= through:
                result *= split.ratio
        return result

    def __len__(self) -> int:
        return sum(len(items) for items in self._by_symbol.values())


def load_corporate_actions(path: Path) -> CorporateActions:
    """Read a ``symbol,ex_date,split_ratio`` CSV (ex_date as YYYY-MM-DD).

    A file with only its header holds no splits. Raises ReferenceDataError, naming
    the file and line, when the file is missing, unreadable or has no header, a
    column is missing, a date is invalid, a ratio is not a positive number, or a
    symbol has two splits on one ex-date.
    """
    path = Path(path)
    splits: dict[tuple[str, dt.date], Split] = {}
    for line, (symbol, ex_date_text, ratio_text) in read_rows(path, _COLUMNS, "corporate actions"):
        if not symbol:
            raise ReferenceDataError(f"{path}:{line}: empty symbol")
        try:
            ex_date = dt.date.fromisoformat(ex_date_text)
        except ValueError as exc:
            raise ReferenceDataError(
                f"{path}:{line}: ex_date must be a date like 2014-06-09, not {ex_date_text!r}"
            ) from exc
        ratio = number(ratio_text, path, line, "split_ratio", positive=True)
        if (symbol, ex_date) in splits:
            raise ReferenceDataError(f"{path}:{line}: a second split of {symbol} on {ex_date}")
        splits[(symbol, ex_date)] = Split(symbol, ex_date, ratio)
    return CorporateActions(splits.values())
