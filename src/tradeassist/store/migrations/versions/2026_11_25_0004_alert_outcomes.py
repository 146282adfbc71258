"""Alert outcomes: each stored alert graded by what the price did next.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

One row per graded alert (see ``tradeassist.backtest.grading``). On
PostgreSQL, like ``screener_alerts``, every authenticated user may read all
rows (row-level security with a read-all policy); only the service writes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
TABLE = "alert_outcomes"
POLICY = f"{TABLE}_select_all"


def _is_postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    fk = sa.ForeignKey(
        "screener_alerts.id", ondelete="CASCADE", name=f"fk_{TABLE}_alert_id_screener_alerts"
    )
    op.create_table(
        TABLE,
        sa.Column("alert_id", BIG_ID, fk, nullable=False, autoincrement=False),
        *(sa.Column(name, sa.Float()) for name in ("ret_1m", "ret_5m", "ret_30m", "ret_close")),
        sa.Column("mfe", sa.Float()),
        sa.Column("mae", sa.Float()),
        sa.Column("trade_pnl", sa.Float()),
        sa.Column("trade_return", sa.Float()),
        sa.Column("complete", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("graded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=f"pk_{TABLE}"),
    )
    op.create_index(f"ix_{TABLE}_complete_graded_at", TABLE, ["complete", "graded_at"])
    if _is_postgres():
        op.execute(f"ALTER TABLE public.{TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"GRANT SELECT ON public.{TABLE} TO authenticated")
        op.execute(
            f"CREATE POLICY {POLICY} ON public.{TABLE} FOR SELECT TO authenticated USING (true)"
        )


def downgrade() -> None:
    if _is_postgres():
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON public.{TABLE}")
        op.execute(f"REVOKE ALL ON public.{TABLE} FROM authenticated")
    op.drop_index(f"ix_{TABLE}_complete_graded_at", table_name=TABLE)
    op.drop_table(TABLE)
