"""``/alerts``: filtered pages, today's alerts, statistics, one alert."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.routing import APIRoute

from tradeassist.api.alert_json import alerts_page_json
from tradeassist.api.cursor import decode_cursor, encode_cursor
from tradeassist.api.deps import (
    AlertReader,
    SessionDep,
    StateDep,
    api_state,
    authorize_alert_read,
    get_caller,
)
from tradeassist.api.schemas.alerts import (
    AlertListParams,
    AlertPageParams,
    AlertPublic,
    AlertsPublic,
    AlertStatsParams,
    AlertStatsPublic,
    AlertsTodayPublic,
    HourCountPublic,
    OutcomeStatsPublic,
    SymbolCountPublic,
    TypeCountPublic,
    plain_list_params,
)
from tradeassist.api.schemas.common import ERROR_RESPONSES
from tradeassist.api.state import ApiState
from tradeassist.api.times import eastern_hour, from_ns, to_ns, today_window_ns
from tradeassist.errors import NotFoundError
from tradeassist.store.alert_queries import (
    AlertFilter,
    alert_by_id,
    alert_stats,
    page_alert_rows,
)
from tradeassist.store.database import storage_errors
from tradeassist.store.outcomes import outcome_stats_by_type

__all__ = ["router"]

router = APIRouter(
    prefix="/alerts",
    tags=["alerts"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(get_caller)],
)


async def _page_response(
    state: ApiState,
    params: AlertPageParams,
    filt: AlertFilter,
    extra: dict[str, Any] | None = None,
) -> Response:
    # The version is read before the query: the page then holds at least every
    # alert up to it, so it may serve later requests while the bus stays there.
    version: int | None = getattr(state.bus, "last_id", None)
    key = (params.limit, params.cursor, params.order, filt, tuple((extra or {}).items()))

    async def load() -> bytes:
        boundary = decode_cursor(params.cursor, params.order) if params.cursor else None
        descending = params.order == "desc"
        # One extra row tells whether another page exists without a second query.
        reader = state.page_reader
        async with storage_errors(state.database_url, "read alerts"):
            if reader is not None and reader.serves(filt):
                rows = await reader.page(
                    filt, limit=params.limit + 1, boundary=boundary, descending=descending
                )
            else:
                async with state.read_engine.connect() as conn:
                    rows = await page_alert_rows(
                        conn, filt, limit=params.limit + 1, boundary=boundary, descending=descending
                    )
        more = len(rows) > params.limit
        rows = rows[: params.limit]
        cursor = encode_cursor(params.order, int(rows[-1][0])) if more else None
        # Written straight from the rows (see alert_json): the busiest route stays cheap.
        return alerts_page_json(rows, cursor, extra)

    body = await state.page_cache.get_or_load(key, version, load)
    return Response(body, media_type="application/json")


async def _list_response(state: ApiState, params: AlertListParams) -> Response:
    since = to_ns(params.since) if params.since is not None else None
    until = to_ns(params.until) if params.until is not None else None
    return await _page_response(state, params, params.to_filter(since, until))


class _ListRoute(APIRoute):
    """``GET /alerts`` with a short cut for the common query.

    FastAPI's dependency solving and query-model validation cost more CPU than
    the query and the JSON together (about 1.5 ms a request), which caps the
    read rate of one process. A plain query (see ``plain_list_params``) runs
    the same checks directly: state, caller and rate limit, alert-read
    permission, in that order. Anything else, and apps with dependency
    overrides, take the declared route, which also gives the OpenAPI schema.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        declared = super().get_route_handler()

        async def handler(request: Request) -> Response:
            params = plain_list_params(request.scope.get("query_string", b""))
            if params is None or request.app.dependency_overrides:
                return await declared(request)
            state = api_state(request)
            await authorize_alert_read(request, state)
            return await _list_response(state, params)

        return handler


async def read_alerts(
    _reader: AlertReader,
    state: StateDep,
    params: Annotated[AlertListParams, Query()],
) -> Response:
    """Alerts matching the filters, a page at a time (cursor = commit-ordered id)."""
    return await _list_response(state, params)


router.add_api_route(
    "",
    read_alerts,
    methods=["GET"],
    response_model=AlertsPublic,
    route_class_override=_ListRoute,
)


@router.get("/today", response_model=AlertsTodayPublic)
async def read_alerts_today(
    _reader: AlertReader,
    state: StateDep,
    params: Annotated[AlertPageParams, Query()],
) -> Response:
    """Alerts of the current US/Eastern day (midnight to midnight Eastern, DST-aware)."""
    day, start, end = today_window_ns(state.clock_ns())
    extra = {"trading_day": day.isoformat()}
    return await _page_response(state, params, params.to_filter(start, end), extra)


@router.get("/stats", response_model=AlertStatsPublic)
async def read_alert_stats(
    session: SessionDep,
    state: StateDep,
    _reader: AlertReader,
    params: Annotated[AlertStatsParams, Query()],
) -> AlertStatsPublic:
    """Counts by type, by US/Eastern hour of day, top symbols and how graded alerts
    played out (per type: hit rate, mean signed returns), over a window."""
    _, day_start, day_end = today_window_ns(state.clock_ns())
    since = to_ns(params.since) if params.since is not None else day_start
    until = to_ns(params.until) if params.until is not None else day_end
    filt = params.to_filter(since, until)
    stats = await alert_stats(session, filt, top=params.top)
    outcomes = await outcome_stats_by_type(session, since=since, until=until, filt=filt)
    hours: dict[int, int] = {}
    for utc_hour, count in stats.by_utc_hour:
        et = eastern_hour(utc_hour)
        hours[et] = hours.get(et, 0) + count
    return AlertStatsPublic(
        since=from_ns(since),
        until=from_ns(until),
        total=stats.total,
        by_type=[TypeCountPublic(alert_type=t, count=n) for t, n in stats.by_type],
        by_hour=[HourCountPublic(hour=h, count=n) for h, n in sorted(hours.items())],
        top_symbols=[SymbolCountPublic(symbol=s, count=n) for s, n in stats.top_symbols],
        outcomes=[OutcomeStatsPublic.from_stats(o) for o in outcomes],
    )


@router.get("/{alert_id}", response_model=AlertPublic)
async def read_alert(
    session: SessionDep,
    _reader: AlertReader,
    alert_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> AlertPublic:
    """One alert by id."""
    stored = await alert_by_id(session, alert_id)
    if stored is None:
        raise NotFoundError(f"no alert with id {alert_id}")
    return AlertPublic.from_stored(stored)
