"""How DATABASE_URL becomes an async SQLAlchemy URL and driver arguments (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeassist.errors import StorageError
from tradeassist.store.database import create_engine, normalize_url, safe_url


def test_supabase_pooler_url_gets_asyncpg_ssl_and_no_statement_cache() -> None:
    url = "postgresql://postgres.abcd:s3cret@aws-0-us-east-1.pooler.example.com:6543/postgres?sslmode=require"

    normalized, connect_args = normalize_url(url)

    assert normalized == (
        "postgresql+asyncpg://postgres.abcd:s3cret@aws-0-us-east-1.pooler.example.com:6543/postgres"
    )
    assert connect_args["ssl"] == "require"
    assert connect_args["statement_cache_size"] == 0
    assert connect_args["prepared_statement_cache_size"] == 0
    first, second = (connect_args["prepared_statement_name_func"]() for _ in range(2))
    assert first != second


def test_direct_postgres_url_keeps_statement_caching() -> None:
    normalized, connect_args = normalize_url(
        "postgres://u:p@db.example.com:5432/app?sslmode=disable"
    )

    assert normalized == "postgresql+asyncpg://u:p@db.example.com:5432/app"
    assert connect_args == {"ssl": "disable", "timeout": 10.0}


@pytest.mark.parametrize(("flag", "mode"), [("true", "require"), ("false", "disable")])
def test_ssl_true_is_read_as_sslmode_require(flag: str, mode: str) -> None:
    _, connect_args = normalize_url(f"postgresql://u@h/db?ssl={flag}")

    assert connect_args["ssl"] == mode


def test_pgbouncer_flag_marks_a_pooler_on_any_port() -> None:
    normalized, connect_args = normalize_url("postgresql://u@h:5433/db?pgbouncer=true")

    assert "pgbouncer" not in normalized
    assert connect_args["statement_cache_size"] == 0


def test_other_postgres_drivers_are_replaced_by_asyncpg() -> None:
    normalized, _ = normalize_url("postgresql+psycopg2://u@h/db?connect_timeout=7")

    assert normalized.startswith("postgresql+asyncpg://u@h/db")


def test_libpq_parameters_are_translated() -> None:
    _, connect_args = normalize_url(
        "postgresql://u@h/db?connect_timeout=7&application_name=screener"
    )

    assert connect_args["timeout"] == 7.0
    assert connect_args["server_settings"] == {"application_name": "screener"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/tradeassist.db", "sqlite+aiosqlite:///data/tradeassist.db"),
        ("sqlite+aiosqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ],
)
def test_sqlite_urls_get_the_async_driver(url: str, expected: str) -> None:
    assert normalize_url(url) == (expected, {})


@pytest.mark.parametrize(
    "url",
    [
        "nonsense://x",
        "mysql://root:hunter2pw@localhost/db",
        "not a url at all hunter2pw",
        "postgresql://u:hunter2pw@h/db?sslmode=sometimes",
        "postgresql://u:hunter2pw@h/db?frobnicate=1",
        "postgresql://u:hunter2pw@h/db?connect_timeout=soon",
    ],
)
def test_bad_urls_raise_one_line_storage_error_without_the_password(url: str) -> None:
    with pytest.raises(StorageError) as caught:
        normalize_url(url)

    message = str(caught.value)
    assert "hunter2pw" not in message
    assert "\n" not in message


def test_safe_url_masks_the_password() -> None:
    assert "hunter2pw" not in safe_url("postgresql://u:hunter2pw@h:6543/db")


def test_sqlite_engine_creates_the_folder_of_its_file(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "deeper" / "tradeassist.db"

    engine = create_engine(f"sqlite:///{target}")

    assert target.parent.is_dir()
    assert engine.dialect.name == "sqlite"
    assert engine.dialect.driver == "aiosqlite"


def test_sqlite_engine_in_an_unwritable_place_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(StorageError, match="cannot create the folder"):
        create_engine(f"sqlite:///{blocker}/sub/tradeassist.db")


async def test_sqlite_connections_use_wal_with_normal_sync(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'tradeassist.db'}")
    try:
        async with engine.connect() as conn:
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            sync = (await conn.exec_driver_sql("PRAGMA synchronous")).scalar()
    finally:
        await engine.dispose()

    assert journal == "wal"
    assert sync == 1  # NORMAL: WAL synced at checkpoints, commits survive a process crash
