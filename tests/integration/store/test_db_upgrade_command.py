"""`tradeassist db upgrade` as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TRADEASSIST = Path(sys.executable).with_name("tradeassist")


def _run(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEASSIST_")}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [str(TRADEASSIST), "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_nonsense_url_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "nonsense://x")

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "nonsense" in result.stderr


def test_upgrade_creates_a_sqlite_database(tmp_path: Path) -> None:
    result = _run(tmp_path, "sqlite:///data/app.db")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "app.db").is_file()
