"""What a user sees in the dashboard, against a live ``tradeassist run``.

The tests run in file order on one server: the live-feed test comes early,
while the simulated day is still streaming alerts, and the API-down test
(marked ``stops_server``) runs after every other file's tests, because it
stops the server.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from browser_support import PHONE, Server
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PAGES = {
    "live": "/",
    "stats": "/stats/",
    "symbol": "/symbol/",
    "trades": "/trades/",
    "messages": "/messages/",
    "settings": "/settings/",
    "signin": "/signin/",
}
LIVE_LATENCY_BUDGET_MS = 2000.0
WATCH_S = 6.0


def _ms(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000.0


def test_sign_in_with_the_admin_token(server: Server, fresh_page: Page, screenshots: Path) -> None:
    page = fresh_page
    page.goto("/")
    expect(page.get_by_text("Sign in to see this page.")).to_be_visible()

    page.goto("/signin/")
    page.get_by_label("Token").fill(server.token)
    page.get_by_role("button", name="Save").click()

    signed_in = page.locator("section", has_text="Signed in as")
    expect(signed_in.get_by_text("admin", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    page.screenshot(path=screenshots / "signin.png", full_page=True)
    page.get_by_role("link", name="Live").click()
    expect(page.locator('[data-stream-status="live"]')).to_be_visible()


def test_a_rejected_token_is_reported_with_a_way_to_sign_in(
    fresh_page: Page, screenshots: Path
) -> None:
    fresh_page.context.add_init_script(
        "window.localStorage.setItem('tradeassist.token', 'not-a-valid-token');"
    )

    fresh_page.goto("/")

    error = fresh_page.locator("main").get_by_role("alert")
    expect(error).to_contain_text("Not signed in, or not allowed.")
    expect(error.get_by_role("link", name="Sign in")).to_be_visible()
    fresh_page.screenshot(path=screenshots / "live-bad-token.png")


# Test instrumentation, in the page: when each alert's WebSocket message arrived
# and when its row entered the DOM (wall-clock ms), to tell the network part of
# a delay from the rendering part.
RECORD_SOCKET = """
window.__received = {};
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      const at = performance.timeOrigin + performance.now();
      try {
        const message = JSON.parse(event.data);
        if (message.type === "alert") window.__received[message.data.id] ??= at;
      } catch {}
    });
  }
};
"""
RECORD_ROWS = """() => {
  window.__seen = {};
  window.__sameDocument = true;
  new MutationObserver((records) => {
    const at = performance.timeOrigin + performance.now();
    for (const r of records) for (const n of r.addedNodes) {
      const id = n instanceof Element ? n.dataset.alertId : undefined;
      if (id && !(id in window.__seen)) window.__seen[id] = at;
    }
  }).observe(document.querySelector('ul[aria-label="Alerts"]'), { childList: true });
}"""


def test_new_alerts_appear_in_the_live_feed_within_two_seconds(
    server: Server, page: Page, screenshots: Path
) -> None:
    page.context.add_init_script(RECORD_SOCKET)
    page.goto("/")
    expect(page.locator('[data-stream-status="live"]')).to_be_visible()
    page.evaluate(RECORD_ROWS)
    baseline = server.recent_alerts()[0]["id"]

    time.sleep(WATCH_S)

    committed = [a for a in server.recent_alerts(limit=1000) if a["id"] > baseline]
    time.sleep(LIVE_LATENCY_BUDGET_MS / 1000.0)  # the last ones get their full budget too
    seen: dict[str, float] = page.evaluate("() => window.__seen")
    received: dict[str, float] = page.evaluate("() => window.__received")
    assert page.evaluate("() => window.__sameDocument") is True  # no reload happened
    assert committed, f"the screener committed no alert in {WATCH_S} s"
    late = []
    latencies = []
    for alert in committed:
        key = str(alert["id"])
        created = _ms(alert["created_at"])
        if key not in seen:
            late.append((alert["id"], "missing"))
            continue
        latency = seen[key] - created
        latencies.append(latency)
        if latency >= LIVE_LATENCY_BUDGET_MS:
            socket = received.get(key, float("nan")) - created
            late.append((alert["id"], f"{latency:.0f} ms, socket after {socket:.0f} ms"))
    page.screenshot(path=screenshots / "live.png")
    assert not late, f"{len(late)} of {len(committed)} alerts late or missing: {late[:8]}"
    print(f"live feed: {len(latencies)} alerts, worst {max(latencies):.0f} ms after commit")


def test_new_alert_flash_can_be_turned_off_and_stays_off(page: Page) -> None:
    page.goto("/")
    expect(page.locator("li.alert-flash").first).to_be_attached()  # on by default

    page.get_by_label("Flash").uncheck()

    expect(page.locator("li.alert-flash")).to_have_count(0)
    page.reload()
    expect(page.get_by_label("Flash")).not_to_be_checked()
    expect(page.get_by_label("Sound")).not_to_be_checked()


def test_symbol_search_opens_the_chart_with_its_alert_marked(
    server: Server, page: Page, screenshots: Path
) -> None:
    alert = server.recent_alerts()[0]
    symbol = alert["symbol"]

    page.goto("/symbol/")
    page.get_by_label("Ticker").fill(symbol)
    matches = page.get_by_role("list", name="Matching symbols")
    expect(matches.get_by_role("link", name=symbol, exact=True)).to_be_visible()
    page.get_by_role("button", name="Open").click()

    expect(page).to_have_url(f"{server.base_url}/symbol/?s={symbol}")
    chart = page.locator("section", has_text=f"{symbol}: 1-minute bars")
    expect(chart.locator(".recharts-line-curve")).to_be_visible()
    # The alert's bar may still be on its way to the store: reload until it is charted.
    for _ in range(10):
        if int(chart.locator("[data-alert-markers]").get_attribute("data-alert-markers") or 0):
            break
        time.sleep(1)
        page.reload()
        expect(chart.locator(".recharts-line-curve")).to_be_visible()
    expect(chart.locator(".recharts-scatter-symbol").first).to_be_visible()
    listed = page.get_by_role("list", name="Symbol alerts")
    expect(listed.locator(f'[data-alert-id="{alert["id"]}"]')).to_be_visible()
    page.screenshot(path=screenshots / "symbol.png", full_page=True)


def test_stats_charts_render_with_data(page: Page, screenshots: Path) -> None:
    page.goto("/stats/")
    # The demo day is the last session: on a weekend it is older than the 24-hour range.
    page.get_by_role("button", name="7 days").click()

    for title in ("Alerts by type", "Alerts by hour", "Top symbols"):
        card = page.locator("section", has=page.get_by_role("heading", name=title))
        expect(card.locator(".recharts-bar-rectangle").first).to_be_visible()
    scorecard = page.locator("section", has_text="Outcomes by alert type")
    expect(
        scorecard.get_by_role("table").or_(scorecard.get_by_text("No graded alerts yet"))
    ).to_be_visible()
    page.screenshot(path=screenshots / "stats.png", full_page=True)


def test_trades_and_settings_pages_load(page: Page, screenshots: Path) -> None:
    page.goto("/trades/")
    expect(page.get_by_text("Paper trading", exact=False).first).to_be_visible()
    expect(page.locator("main").get_by_role("alert")).to_have_count(0)
    page.screenshot(path=screenshots / "trades.png", full_page=True)

    page.goto("/settings/")
    expect(page.get_by_role("form", name="New subscription")).to_be_visible()
    expect(page.locator("main").get_by_role("alert")).to_have_count(0)
    page.screenshot(path=screenshots / "settings.png", full_page=True)


@pytest.mark.parametrize("name", list(PAGES))
def test_layout_holds_on_a_phone(
    name: str, server: Server, phone_page: Page, screenshots: Path
) -> None:
    path = PAGES[name]
    if name == "symbol":  # with a chart and its alerts, the widest content there is
        path += f"?s={server.recent_alerts()[0]['symbol']}"
    phone_page.goto(path)
    expect(phone_page.locator("main h1")).to_be_visible()
    phone_page.wait_for_load_state("networkidle")

    width = phone_page.evaluate("() => document.scrollingElement.scrollWidth")
    # The live feed is hundreds of rows long: its first screen says enough.
    phone_page.screenshot(path=screenshots / f"phone-{name}.png", full_page=name != "live")
    assert width <= PHONE["width"], f"{name} is {width} px wide on a {PHONE['width']} px screen"


@pytest.mark.stops_server
def test_api_down_shows_reconnecting_and_unreachable(
    server: Server, page: Page, phone_page: Page, screenshots: Path
) -> None:
    page.goto("/")
    expect(page.locator('[data-stream-status="live"]')).to_be_visible()
    stats = phone_page
    stats.goto("/stats/")
    expect(stats.get_by_role("heading", name="Alerts by type")).to_be_visible()
    messages = page.context.new_page()
    messages.goto("/messages/")
    texts = messages.get_by_role("list", name="Messages").locator("li")
    expect(texts.first).to_be_visible()  # the SMS tests have texted by now

    server.stop()

    expect(page.locator('[data-stream-status="reconnecting"]')).to_be_visible()
    expect(page.get_by_text("Lost the live connection")).to_be_visible()
    page.screenshot(path=screenshots / "live-reconnecting.png")
    stats.get_by_role("button", name="7 days").click()
    expect(stats.get_by_text("The API is unreachable.")).to_be_visible()
    stats.screenshot(path=screenshots / "stats-api-down.png")
    # The SMS log keeps what it shows and says its refresh is failing.
    expect(messages.locator('[data-refresh="failing"]')).to_be_visible()
    expect(texts.first).to_be_visible()
    messages.screenshot(path=screenshots / "messages-api-down.png")
