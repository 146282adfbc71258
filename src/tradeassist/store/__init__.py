"""Storage: SQLAlchemy tables, the engine factory, repositories and migrations.

One code path for SQLite (the embedded default) and PostgreSQL (Supabase
included). Import the pieces from their modules: ``database`` (engines and
sessions), ``migrate`` (bring a database up to date), ``rls`` (act as a user),
and the repositories ``alerts``, ``bars``, ``users``.
"""
