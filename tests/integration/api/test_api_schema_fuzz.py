"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis).

Bounded: a few valid and a few invalid examples per operation, no deadline.
Every response must be non-5xx and match the schema (status code, content
type, body), with made-up credentials and with an admin's. SSE is left out: its
event streams never end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from api_helpers import ADMIN, bearer
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tradeassist.api import create_app
from tradeassist.api.ratelimit import RateLimit
from tradeassist.settings import Settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ADMIN_AUTH = bearer(ADMIN, admin=True)
CREDENTIAL_HEADERS = {"authorization", "x-api-key"}
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}


@pytest.fixture
def api_schema(settings: Settings) -> Iterator[schemathesis.BaseSchema]:
    app = create_app(settings, rate_limit=RateLimit(per_minute=0, burst=0))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema.exclude(path="/sse/alerts").exclude(path="/sse/notifications")
    shutdown_lifespans()


def test_no_operation_fails_or_breaks_its_schema(api_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def fuzz(case: schemathesis.Case) -> None:
                case.call_and_validate(checks=CHECKS)  # with whatever credentials it made up
                case.headers = {
                    name: value
                    for name, value in (case.headers or {}).items()
                    if name.lower() not in CREDENTIAL_HEADERS
                }
                case.call_and_validate(headers=ADMIN_AUTH, checks=CHECKS)

            try:
                fuzz()
            except Unsatisfiable:
                # An operation without inputs has no invalid request to make.
                assert mode is GenerationMode.NEGATIVE, operation.label
