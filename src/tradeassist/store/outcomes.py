"""Alert outcomes in ``alert_outcomes``: written by the grader, summed up for the API.

Returns are fractions signed in the alert's direction (see
``tradeassist.backtest.grading``), keyed by horizon ``1m``, ``5m``, ``30m``,
``close``; a hit is a positive 30-minute return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from tradeassist.domain.alerts import Alert
from tradeassist.store.alert_queries import AlertFilter
from tradeassist.store.alerts import StoredAlert
from tradeassist.store.tables import AlertOutcomeRow, AlertRow
from tradeassist.store.types import utcnow
from tradeassist.store.upsert import insert_for, json_safe

__all__ = [
    "HORIZON_COLUMNS",
    "OutcomeStats",
    "StoredOutcome",
    "alerts_to_grade",
    "outcome_stats_by_type",
    "outcomes_for",
    "upsert_outcomes",
]

#: Horizon name -> column of ``alert_outcomes``.
HORIZON_COLUMNS: dict[str, str] = {
    "1m": "ret_1m",
    "5m": "ret_5m",
    "30m": "ret_30m",
    "close": "ret_close",
}
_NS = 1_000_000_000
Moment = datetime | int | None
_O = AlertOutcomeRow.__table__.c
_A = AlertRow.__table__.c


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    """One alert's outcome: signed fractions by horizon (None: not known), P&L in dollars."""

    alert_id: int
    returns: dict[str, float | None]
    mfe: float | None = None
    mae: float | None = None
    trade_pnl: float | None = None
    trade_return: float | None = None
    complete: bool = True
    graded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutcomeStats:
    """Outcomes of one alert type: ``graded`` alerts with a 30m return, hits among them,
    mean signed returns by horizon (only horizons some alert has), mean excursions."""

    alert_type: str
    graded: int
    hits: int
    hit_rate: float | None
    mean_return: dict[str, float] = field(default_factory=dict)
    mean_mfe: float | None = None
    mean_mae: float | None = None
    trades: int = 0
    total_pnl: float = 0.0


def _values(outcome: StoredOutcome) -> dict[str, Any]:
    values: dict[str, Any] = {
        column: json_safe(outcome.returns.get(h)) for h, column in HORIZON_COLUMNS.items()
    }
    values.update(
        alert_id=outcome.alert_id,
        mfe=json_safe(outcome.mfe),
        mae=json_safe(outcome.mae),
        trade_pnl=json_safe(outcome.trade_pnl),
        trade_return=json_safe(outcome.trade_return),
        complete=outcome.complete,
        graded_at=outcome.graded_at or utcnow(),
    )
    return values


async def upsert_outcomes(session: AsyncSession, *, outcomes: Sequence[StoredOutcome]) -> None:
    """Store ``outcomes`` in the session's transaction; an alert graded before is regraded."""
    last = {o.alert_id: o for o in outcomes}
    if not last:
        return
    conn = await session.connection()
    table = AlertOutcomeRow.__table__
    insert = insert_for(conn.dialect.name, table)  # type: ignore[arg-type]
    updated = [c.name for c in table.c if c.name != "alert_id"]
    stmt = insert.on_conflict_do_update(
        index_elements=[table.c.alert_id],
        set_={name: insert.excluded[name] for name in updated},
    )
    await conn.execute(stmt, [_values(o) for o in last.values()])


def _to_ns(value: Moment) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value.timestamp()) * _NS + value.microsecond * 1000


def _window(
    since: datetime | int | None, until: datetime | int | None
) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    since_ns, until_ns = _to_ns(since), _to_ns(until)
    if since_ns is not None:
        out.append(_A.trigger_time_ns >= since_ns)
    if until_ns is not None:
        out.append(_A.trigger_time_ns < until_ns)
    return out


async def alerts_to_grade(
    session: AsyncSession, *, since: datetime, until: datetime, limit: int = 1000
) -> list[StoredAlert]:
    """Alerts triggered in ``[since, until)`` with no complete outcome yet, oldest first."""
    query = (
        select(AlertRow)
        .outerjoin(AlertOutcomeRow, AlertOutcomeRow.alert_id == AlertRow.id)
        .where(AlertRow.trigger_time >= since, AlertRow.trigger_time < until)
        .where(AlertOutcomeRow.alert_id.is_(None) | AlertOutcomeRow.complete.is_(False))
        .order_by(AlertRow.trigger_time, AlertRow.id)
        .limit(limit)
    )
    rows = (await session.scalars(query)).all()
    return [_stored_alert(row) for row in rows]


def _stored_alert(row: AlertRow) -> StoredAlert:
    alert = Alert(
        symbol=row.symbol,
        alert_type=row.alert_type,
        trigger_price=row.trigger_price,
        trigger_time_ns=row.trigger_time_ns,
        trading_day=row.trading_day.isoformat(),
        level=row.level,
        conditions=dict(row.conditions or {}),
        metadata=dict(row.alert_metadata or {}),
    )
    return StoredAlert(id=row.id, alert=alert, created_at=row.created_at)


async def outcomes_for(session: AsyncSession, alert_ids: Sequence[int]) -> dict[int, StoredOutcome]:
    """The stored outcomes of these alerts, by alert id (alerts not graded are absent)."""
    if not alert_ids:
        return {}
    rows = await session.execute(select(AlertOutcomeRow).where(_O.alert_id.in_(alert_ids)))
    out: dict[int, StoredOutcome] = {}
    for (row,) in rows:
        returns = {h: getattr(row, column) for h, column in HORIZON_COLUMNS.items()}
        out[row.alert_id] = StoredOutcome(
            alert_id=row.alert_id,
            returns=returns,
            mfe=row.mfe,
            mae=row.mae,
            trade_pnl=row.trade_pnl,
            trade_return=row.trade_return,
            complete=row.complete,
            graded_at=row.graded_at,
        )
    return out


async def outcome_stats_by_type(
    session: AsyncSession,
    *,
    since: Moment,
    until: Moment,
    filt: AlertFilter | None = None,
) -> list[OutcomeStats]:
    """Outcome stats per alert type over alerts triggered in ``[since, until)``.

    ``since``/``until`` are aware datetimes or UTC nanoseconds (None: open);
    ``filt`` narrows the alerts further (symbols, types, minimum move; its own
    window too), as ``GET /alerts/stats`` filters its counts. Alerts without an
    outcome row are not counted; types sorted by name.
    """
    hit = func.sum(case((_O.ret_30m > 0, 1), else_=0), type_=Integer)
    columns = [
        _A.alert_type,
        func.count(_O.ret_30m),
        hit,
        *(func.avg(_O[c]) for c in HORIZON_COLUMNS.values()),
        func.avg(_O.mfe),
        func.avg(_O.mae),
        func.count(_O.trade_pnl),
        func.sum(_O.trade_pnl),
    ]
    query = (
        select(*columns)
        .select_from(AlertRow.__table__.join(AlertOutcomeRow.__table__))
        .where(*_window(since, until), *(filt.clauses() if filt is not None else ()))
        .group_by(_A.alert_type)
        .order_by(_A.alert_type)
    )
    stats: list[OutcomeStats] = []
    for row in await session.execute(query):
        alert_type, graded, hits, *means = row
        horizon_means, (mfe, mae, trades, pnl) = means[: len(HORIZON_COLUMNS)], means[-4:]
        mean_return = {
            h: float(v)
            for h, v in zip(HORIZON_COLUMNS, horizon_means, strict=True)
            if v is not None
        }
        stats.append(
            OutcomeStats(
                alert_type=str(alert_type),
                graded=int(graded or 0),
                hits=int(hits or 0),
                hit_rate=int(hits or 0) / int(graded) if graded else None,
                mean_return=mean_return,
                mean_mfe=None if mfe is None else float(mfe),
                mean_mae=None if mae is None else float(mae),
                trades=int(trades or 0),
                total_pnl=float(pnl or 0.0),
            )
        )
    return stats
