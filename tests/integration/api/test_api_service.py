"""Health, readiness, metrics, errors, body limit, docs and the dashboard mount."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx
from api_helpers import USER_A, Insert, MakeClient, bearer, make_alert
from fastapi import APIRouter

from tradeassist.errors import StorageError
from tradeassist.store.database import create_engine

A = bearer(USER_A)


class Screener:
    def __init__(self, lag: float | None) -> None:
        self.lag = lag

    def feed_lag_seconds(self) -> float | None:
        return self.lag

    def metrics(self) -> Mapping[str, float]:
        return {"records_total": 1234.0, "alerts_total": 5.0}


async def test_liveness_and_readiness_on_a_healthy_service(client: httpx.AsyncClient) -> None:
    live = await client.get("/health")
    ready = await client.get("/health/ready")

    assert live.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["ok"] is True
    assert ready.json()["checks"]["bus"]["ok"] is True


async def test_readiness_names_the_failing_parts(make_client: MakeClient) -> None:
    async def temporal_down() -> None:
        raise StorageError("nothing answers at 127.0.0.1:7233")

    client = await make_client(temporal_check=temporal_down, screener=Screener(lag=120.0))

    ready = await client.get("/health/ready")

    assert ready.status_code == 503
    assert ready.json()["detail"] == "not ready: temporal, feed"
    assert ready.json()["checks"]["temporal"]["detail"] == "nothing answers at 127.0.0.1:7233"
    assert "120.0 s" in ready.json()["checks"]["feed"]["detail"]


async def test_readiness_reports_an_unreachable_database(make_client: MakeClient) -> None:
    dead = create_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1")
    try:
        client = await make_client(engine=dead)
        ready = await client.get("/health/ready")
        alerts = await client.get("/alerts", headers=A)
    finally:
        await dead.dispose()

    assert ready.status_code == 503
    assert "database" in ready.json()["detail"]
    assert alerts.status_code == 503
    assert alerts.json()["code"] == "storage_unavailable"


async def test_metrics_count_requests_by_route_and_show_the_screener(
    make_client: MakeClient, insert: Insert
) -> None:
    client = await make_client(screener=Screener(lag=0.01))
    await insert([make_alert()])
    await client.get("/alerts/1", headers=A)
    await client.get("/alerts/2", headers=A)

    text = (await client.get("/metrics")).text

    assert (
        'tradeassist_api_request_seconds_count{method="GET",route="/alerts/{alert_id}",'
        'status="2xx"} 1.0' in text
    )
    assert 'route="/alerts/{alert_id}",status="4xx"} 1.0' in text
    assert "tradeassist_alerts_stored 1.0" in text
    assert "tradeassist_screener_records_total 1234.0" in text


async def test_an_unexpected_error_is_a_json_500_without_a_trace(make_client: MakeClient) -> None:
    broken = APIRouter()

    @broken.get("/test/broken")
    async def explode() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    client = await make_client(extra_routers=(broken,))

    response = await client.get("/test/broken")

    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error", "code": "internal"}


async def test_a_request_body_over_the_limit_is_refused(make_client: MakeClient) -> None:
    client = await make_client(max_body_bytes=1000)

    response = await client.post("/users/me/subscriptions", json={"name": "x" * 5000}, headers=A)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    streamed = await client.post(
        "/users/me/subscriptions",
        content=chunks(),
        headers={**A, "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "too_large"


async def test_docs_and_schema_are_served(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    schema = (await client.get("/openapi.json")).json()

    assert docs.status_code == 200
    assert {"/alerts", "/alerts/today", "/alerts/stats", "/users/me", "/sse/alerts"} <= set(
        schema["paths"]
    )


async def test_the_dashboard_is_served_at_root_behind_the_api(
    make_client: MakeClient, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "symbols").mkdir(parents=True)
    (site / "index.html").write_text("<h1>dashboard</h1>")
    (site / "symbols" / "index.html").write_text("<h1>symbols page</h1>")
    client = await make_client(static_dir=site)

    root = await client.get("/")
    page = await client.get("/symbols/")
    api = await client.get("/alerts", headers=A)

    assert "dashboard" in root.text
    assert api.headers["content-type"] == "application/json"
    # /symbols is an API route; the page of the same name lives only under its folder URL.
    assert page.status_code in (200, 307, 404)
