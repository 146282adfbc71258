"""The stats page's scorecard with graded alerts: the table shows what /alerts/stats returns.

The server's live grading (every ``GRADE_INTERVAL_S`` on the simulated day's
clock) grades the alerts the demo day raises from the bars the screener
stores, the same code as the backtest: nothing is arranged by hand.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import PHONE, Server
from playwright.sync_api import Page, Response, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

GRADED_WITHIN_S = 90.0
READ_TABLE = """(table) => ({
  headers: [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim()),
  rows: [...table.querySelectorAll("tbody tr")].map((tr) =>
    [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())),
})"""


def graded_outcomes(server: Server) -> list[dict[str, Any]]:
    """The outcomes /alerts/stats gives for the last 7 days (the page's "7 days" range).

    Seven days, not the page's first 24 hours: on a weekend the demo day is Friday.
    """
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).isoformat()
    with server.api() as client:
        response = client.get("/alerts/stats", params={"since": since, "top": 10})
        response.raise_for_status()
        outcomes: list[dict[str, Any]] = response.json()["outcomes"]
    return [o for o in outcomes if o["graded"] > 0]


def asks_for_a_week(response: Response) -> bool:
    """The stats request of the "7 days" range (not the page's first, 24-hour one)."""
    url = urlsplit(response.url)
    since = parse_qs(url.query).get("since")
    if url.path != "/alerts/stats" or not since:
        return False
    age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(since[0].replace("Z", "+00:00"))
    return age > dt.timedelta(days=6)


def wait_for_grading(server: Server) -> None:
    deadline = time.monotonic() + GRADED_WITHIN_S
    while not graded_outcomes(server):
        assert time.monotonic() < deadline, f"no alert graded within {GRADED_WITHIN_S:.0f} s"
        time.sleep(1.0)


def percent(cell: str) -> float | None:
    """``+1.23%`` -> 1.23; a dash -> None."""
    return None if cell == "—" else float(cell.rstrip("%"))


def assert_close(cell: str, fraction: float | None, tolerance: float, what: str) -> None:
    shown = percent(cell)
    if fraction is None:
        assert shown is None, f"{what}: shows {cell}, the API has none"
        return
    assert shown is not None, f"{what}: shows a dash, the API has {fraction}"
    # The page rounds (2 decimals for returns, 0 for hit rates): within half a unit.
    assert abs(shown - fraction * 100) <= tolerance + 1e-9, f"{what}: {cell} vs {fraction}"


def test_scorecard_shows_the_graded_hit_rates_and_mean_returns(
    server: Server, page: Page, phone_page: Page, screenshots: Path
) -> None:
    wait_for_grading(server)

    # The API's answer is read off the wire as the page gets it (grading goes on meanwhile).
    page.goto("/stats/")
    with page.expect_response(asks_for_a_week) as answer:
        page.get_by_role("button", name="7 days").click()
    assert answer.value.ok
    outcomes: list[dict[str, Any]] = answer.value.json()["outcomes"]
    table = page.get_by_role("table", name="Outcomes by alert type")
    expect(table).to_be_visible()
    shown: dict[str, list[Any]] = table.evaluate(READ_TABLE)

    headers, rows = shown["headers"], shown["rows"]
    horizons = [h.removeprefix("Mean ") for h in headers if h.startswith("Mean ")]
    assert headers[:3] == ["Type", "Graded", "Hit rate"]
    assert {"1m", "5m", "30m"} <= set(horizons)
    assert len(rows) == len(outcomes) > 0
    assert any(o["graded"] > 0 and o["hit_rate"] is not None for o in outcomes)
    for row, outcome in zip(rows, outcomes, strict=True):
        kind = outcome["alert_type"]
        assert row[0] == kind.replace("_", " ")
        assert int(row[1]) == outcome["graded"], kind
        assert_close(row[2], outcome["hit_rate"], 0.5, f"{kind} hit rate")
        for column, horizon in enumerate(horizons, start=3):
            mean = outcome["mean_return"].get(horizon)
            assert_close(row[column], mean, 0.005, f"{kind} mean {horizon}")
    page.screenshot(path=screenshots / "stats-scorecard.png", full_page=True)

    # On a phone the table scrolls inside its card; the page itself does not widen.
    phone_page.goto("/stats/")
    phone_page.get_by_role("button", name="7 days").click()
    expect(phone_page.get_by_role("table", name="Outcomes by alert type")).to_be_visible()
    width = phone_page.evaluate("() => document.scrollingElement.scrollWidth")
    phone_page.screenshot(path=screenshots / "phone-stats-scorecard.png", full_page=True)
    assert width <= PHONE["width"], f"stats is {width} px wide on a {PHONE['width']} px screen"
