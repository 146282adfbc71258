"""``/symbols``: search symbols seen in alerts and bars; a symbol's one-minute bars."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AfterValidator

from tradeassist.api.deps import AlertReader, SessionDep, StateDep, get_caller
from tradeassist.api.schemas.common import ERROR_RESPONSES
from tradeassist.api.schemas.symbols import BarPublic, BarsPublic, SymbolSearchParams, SymbolsPublic
from tradeassist.api.times import bounded_time, from_ns
from tradeassist.errors import InputError
from tradeassist.store.bars import list_bars
from tradeassist.store.symbols import search_symbols

__all__ = ["router"]

router = APIRouter(
    prefix="/symbols",
    tags=["symbols"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(get_caller)],
)
MAX_BAR_WINDOW = dt.timedelta(days=7)
Time = Annotated[dt.datetime, AfterValidator(bounded_time)]


@router.get("", response_model=SymbolsPublic)
async def read_symbols(
    _reader: AlertReader, session: SessionDep, params: Annotated[SymbolSearchParams, Query()]
) -> SymbolsPublic:
    """Symbols starting with ``q`` among those seen in alerts or bars."""
    found = await search_symbols(session, params.q.strip().upper(), limit=params.limit)
    return SymbolsPublic(data=found, count=len(found))


@router.get("/{symbol}/bars", response_model=BarsPublic)
async def read_symbol_bars(
    _reader: AlertReader,
    session: SessionDep,
    state: StateDep,
    symbol: Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9.\-]+$")],
    since: Annotated[Time | None, Query(description="Inclusive; default until - 1 day.")] = None,
    until: Annotated[Time | None, Query(description="Exclusive; default now.")] = None,
) -> BarsPublic:
    """One-minute bars of ``symbol`` from the market-data cache, oldest first (≤ 7 days)."""
    end = until or from_ns(state.market_clock_ns())
    start = since or end - dt.timedelta(days=1)
    if end - start > MAX_BAR_WINDOW:
        raise InputError("ask for at most 7 days of one-minute bars at a time")
    bars = await list_bars(session, symbol=symbol.upper(), since=start, until=end)
    return BarsPublic(
        symbol=symbol.upper(), data=[BarPublic.from_bar(b) for b in bars], count=len(bars)
    )
