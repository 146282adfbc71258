"""Row-level security, written the Supabase way (PostgreSQL only; nothing on SQLite).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Policies compare ``user_id`` with ``auth.uid()``, which reads the ``sub``
claim of the request's JWT from ``current_setting('request.jwt.claims', true)``,
for the role ``authenticated``. On a Supabase project all of these exist and
are left alone; elsewhere a compatible ``auth`` schema, ``auth.uid()``,
``auth.jwt()`` and the ``authenticated`` role are created where missing, and
each thing created is recorded in ``tradeassist_owned_objects`` so the
downgrade removes exactly that (a role is cluster-wide: it is dropped only if
no other database still uses it). Supabase's own ``auth.uid()`` returns a
uuid, ours text: policies compare ``auth.uid()::text`` so both work.

What ``authenticated`` may do: read its own rows everywhere, all alerts and
bars; write its own trades (insert, update) and subscriptions. Users, API
keys, SMS, deliveries and the audit log are written by the service only.
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

OWNED = "public.tradeassist_owned_objects"
UID = "(SELECT auth.uid())::text"  # sub-select: evaluated once per query, not per row

# table -> (owner column or None for shared, commands the user may run on own rows)
POLICIES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "users": ("id", ("SELECT",)),
    "trades": ("user_id", ("SELECT", "INSERT", "UPDATE")),
    "sms_messages": ("user_id", ("SELECT",)),
    "alert_subscriptions": ("user_id", ("SELECT", "INSERT", "UPDATE", "DELETE")),
    "api_keys": ("user_id", ("SELECT",)),
    "webhook_deliveries": ("user_id", ("SELECT",)),
    "audit_log": ("user_id", ("SELECT",)),
    "screener_alerts": (None, ("SELECT",)),
    "market_data_cache": (None, ("SELECT",)),
}

BOOTSTRAP = f"""
DO $bootstrap$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
    INSERT INTO {OWNED} VALUES ('schema', 'auth');
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS text LANGUAGE sql STABLE AS $f$
      SELECT coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
      )
    $f$;
    INSERT INTO {OWNED} VALUES ('function', 'auth.uid()');
  END IF;
  IF to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $f$
      SELECT coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb
    $f$;
    INSERT INTO {OWNED} VALUES ('function', 'auth.jwt()');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    BEGIN
      CREATE ROLE authenticated NOLOGIN NOINHERIT;
      INSERT INTO {OWNED} VALUES ('role', 'authenticated');
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- another database of the cluster created it at the same moment
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'authenticated', 'MEMBER') THEN
    -- The app switches to the role with SET LOCAL ROLE, as Supabase's API does.
    EXECUTE format('GRANT authenticated TO %I', current_user);
    INSERT INTO {OWNED} VALUES ('membership', current_user);
  END IF;
  IF NOT has_schema_privilege('authenticated', 'auth', 'USAGE') THEN
    GRANT USAGE ON SCHEMA auth TO authenticated;
    INSERT INTO {OWNED} VALUES ('grant', 'usage on schema auth');
  END IF;
  IF NOT has_schema_privilege('authenticated', 'public', 'USAGE') THEN
    GRANT USAGE ON SCHEMA public TO authenticated;
    INSERT INTO {OWNED} VALUES ('grant', 'usage on schema public');
  END IF;
END
$bootstrap$;
"""

TEARDOWN = f"""
DO $teardown$
DECLARE
  owned record;
BEGIN
  FOR owned IN
    SELECT kind, name FROM {OWNED}
    ORDER BY array_position(ARRAY['function', 'grant', 'membership', 'schema', 'role'], kind)
  LOOP
    IF owned.kind = 'function' THEN
      EXECUTE 'DROP FUNCTION IF EXISTS auth.' || split_part(owned.name, '.', 2);
    ELSIF owned.kind = 'grant' THEN
      EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM authenticated',
                     split_part(owned.name, ' ', 4));
    ELSIF owned.kind = 'membership' THEN
      EXECUTE format('REVOKE authenticated FROM %I', owned.name);
    ELSIF owned.kind = 'schema' THEN
      BEGIN
        DROP SCHEMA auth;
      EXCEPTION WHEN dependent_objects_still_exist THEN
        RAISE NOTICE 'schema auth kept: it holds objects we did not create';
      END;
    ELSIF owned.kind = 'role' THEN
      BEGIN
        DROP ROLE authenticated;
      EXCEPTION WHEN dependent_objects_still_exist THEN
        RAISE NOTICE 'role authenticated kept: another database still uses it';
      END;
    END IF;
  END LOOP;
END
$teardown$;
"""


def _is_postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    if not _is_postgres():
        return
    op.execute(
        f"CREATE TABLE {OWNED} (kind text NOT NULL, name text NOT NULL, PRIMARY KEY (kind, name))"
    )
    # Supabase exposes public tables through its API: keep this one invisible there.
    op.execute(f"ALTER TABLE {OWNED} ENABLE ROW LEVEL SECURITY")
    op.execute(BOOTSTRAP)
    for table, (owner, commands) in POLICIES.items():
        op.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"GRANT {', '.join(commands)} ON public.{table} TO authenticated")
        for command in commands:
            name = f"{table}_{command.lower()}_{'own' if owner else 'all'}"
            rule = f"{owner} = {UID}" if owner else "true"
            using = "" if command == "INSERT" else f" USING ({rule})"
            check = f" WITH CHECK ({rule})" if command in ("INSERT", "UPDATE") else ""
            op.execute(
                f"CREATE POLICY {name} ON public.{table} FOR {command} TO authenticated"
                f"{using}{check}"
            )
        if "INSERT" in commands:
            op.execute(
                "DO $g$ BEGIN EXECUTE format('GRANT USAGE ON SEQUENCE %s TO authenticated', "
                f"pg_get_serial_sequence('public.{table}', 'id')); END $g$"
            )


def downgrade() -> None:
    if not _is_postgres():
        return
    for table, (owner, commands) in POLICIES.items():
        for command in commands:
            name = f"{table}_{command.lower()}_{'own' if owner else 'all'}"
            op.execute(f"DROP POLICY IF EXISTS {name} ON public.{table}")
        op.execute(f"ALTER TABLE public.{table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON public.{table} FROM authenticated")
        if "INSERT" in commands:
            op.execute(
                "DO $g$ BEGIN EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM authenticated', "
                f"pg_get_serial_sequence('public.{table}', 'id')); END $g$"
            )
    op.execute(TEARDOWN)
    op.execute(f"DROP TABLE {OWNED}")
