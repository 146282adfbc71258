"""The dashboard end to end: a real ``tradeassist run`` and headless Chromium.

The server runs the embedded defaults (SQLite, in-process bus, the simulated
market through the loopback Databento gateway, the bundled Temporal dev
server) and serves the dashboard export from ``dashboard/out``. Playwright
drives Debian's Chromium (``/usr/bin/chromium``, or ``TRADEASSIST_CHROMIUM``);
Playwright's own browser download is never used.

Without Chromium or a built dashboard the tests skip, except with ``CI=true``,
where they fail: CI must never pass by skipping. Screenshots of every page go
to ``build/screenshots/`` (gitignored).

Fixtures: ``server`` (one per session), ``browser``, ``page`` (desktop, signed
in), ``phone_page`` (390 px wide, signed in), ``fresh_page`` (desktop, no
token), ``screenshots`` (the folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM,
    DASHBOARD,
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    Server,
    start_server,
    unavailable,
)
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

# Two shared cores also run the server's screener at full speed: allow for a slow first paint.
expect.set_options(timeout=15_000)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "while_streaming: needs new alerts from the simulated day, so it runs first"
    )
    config.addinivalue_line("markers", "stops_server: stops the shared server, so it runs last")


def _turn(item: pytest.Item) -> int:
    if item.get_closest_marker("while_streaming") is not None:
        return 0
    return 2 if item.get_closest_marker("stops_server") is not None else 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The one shared server's day streams for a few minutes: tests that need new alerts
    run first, tests that stop the server last; otherwise file order (the sort is stable)."""
    items.sort(key=_turn)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not DASHBOARD.exists():
        unavailable("the dashboard is not built (`make dashboard`)")
    running = start_server(tmp_path_factory.mktemp("run"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield launched
    launched.close()


def _new_page(
    browser: Browser, server: Server, viewport: dict[str, int], token: str | None
) -> Page:
    context = browser.new_context(
        base_url=server.base_url,
        viewport={"width": viewport["width"], "height": viewport["height"]},
    )
    if token is not None:
        # What the sign-in page stores (the sign-in test goes through the form itself).
        context.add_init_script(f"window.localStorage.setItem('tradeassist.token', {token!r});")
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    signed_in = _new_page(browser, server, DESKTOP, server.token)
    yield signed_in
    signed_in.context.close()


@pytest.fixture
def phone_page(browser: Browser, server: Server) -> Iterator[Page]:
    signed_in = _new_page(browser, server, PHONE, server.token)
    yield signed_in
    signed_in.context.close()


@pytest.fixture
def fresh_page(browser: Browser, server: Server) -> Iterator[Page]:
    anonymous = _new_page(browser, server, DESKTOP, None)
    yield anonymous
    anonymous.context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
