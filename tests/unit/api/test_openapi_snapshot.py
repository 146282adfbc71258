"""The dashboard's copy of the OpenAPI schema is the app's current one.

The dashboard's typed client (``dashboard/src/api/schema.ts``) is generated
from ``dashboard/openapi.json``, so a schema change that is not copied there
would leave the dashboard compiling against an API that no longer exists.
``make openapi`` rewrites the copy (running this file as a script) and
regenerates the client.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from tradeassist.api.app import create_app
from tradeassist.settings import Settings

SNAPSHOT = Path(__file__).resolve().parents[3] / "dashboard" / "openapi.json"


def current_schema(data_dir: Path) -> dict[str, Any]:
    """The app's OpenAPI document with the embedded defaults (no service is contacted)."""
    settings = Settings(
        data_dir=data_dir,
        database_url=None,
        redis_url=None,
        supabase_jwt_secret=SecretStr("s" * 48),
        public_alerts=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    return create_app(settings).openapi()


def test_dashboard_openapi_json_matches_the_app(tmp_path: Path) -> None:
    stored = json.loads(SNAPSHOT.read_text(encoding="utf-8"))

    current = current_schema(tmp_path)

    assert stored == current, (
        "dashboard/openapi.json differs from the app's schema: run `make openapi` "
        "(rewrites it and regenerates dashboard/src/api/schema.ts)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        schema = current_schema(Path(data_dir))
    SNAPSHOT.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
