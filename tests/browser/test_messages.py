"""The SMS log page: what the demo's console outbox would have texted shows up live."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from browser_support import Server
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PHONE = "+14155550142"
MASKED = "+1••••••0142"
CODE_TEXT = re.compile(r"code: (\d{6}) \(valid \d+ min\)")
# notify.texts: "TradeAssist: AAPL gap up ..." or "TradeAssist digest, 3 alerts: ...".
ALERT_TEXT = re.compile(r"TradeAssist: [A-Z][A-Z0-9.]* [a-z]|TradeAssist digest, \d+ alerts")
ALERT_TEXTED_WITHIN_MS = 30_000


def invite_user(server: Server, email: str) -> str:
    """A new user's token, from the admin API (as an admin does it)."""
    with server.api() as client:
        made = client.post("/admin/users", json={"email": email})
        made.raise_for_status()
        token: str = made.json()["token"]
    return token


def as_user(server: Server, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10.0
    )


def signed_in(browser: Browser, server: Server, token: str, width: int = 1280) -> BrowserContext:
    context = browser.new_context(
        base_url=server.base_url, viewport={"width": width, "height": 844}
    )
    context.add_init_script(f"window.localStorage.setItem('tradeassist.token', {token!r});")
    return context


@pytest.mark.while_streaming
def test_a_subscribed_alert_texted_to_the_console_outbox_shows_on_the_users_page(
    server: Server, browser: Browser, screenshots: Path
) -> None:
    # The demo as a user lives it: ask for a code, read it on the SMS page, verify, subscribe.
    token = invite_user(server, "sms-alerts@example.com")
    context = signed_in(browser, server, token)
    page = context.new_page()
    try:
        with as_user(server, token) as client:
            assert client.post("/users/me/phone", json={"phone": "+14155550143"}).is_success
            page.goto("/messages/")
            texts = page.get_by_role("list", name="Messages").locator("li")
            expect(texts.first).to_contain_text(CODE_TEXT)
            found = CODE_TEXT.search(texts.first.inner_text())
            assert found is not None
            verified = client.post("/users/me/phone/verify", json={"code": found.group(1)})
            assert verified.is_success, verified.text
            subscribed = client.post(
                "/users/me/subscriptions", json={"name": "everything", "channels": ["sms"]}
            )
            assert subscribed.is_success, subscribed.text

        # The next alert the screener raises is texted (one alert, or a digest of several).
        alert_text = texts.filter(has_text=ALERT_TEXT)
        expect(alert_text.first).to_be_visible(timeout=ALERT_TEXTED_WITHIN_MS)
        expect(alert_text.first).to_contain_text("console outbox")
        page.screenshot(path=screenshots / "messages-alert.png", full_page=True)
    finally:
        context.close()


def newest_message_id(server: Server) -> int:
    with server.api() as client:
        listed = client.get("/sms/messages", params={"limit": 1})
        listed.raise_for_status()
        data = listed.json()["data"]
    return int(data[0]["id"]) if data else 0


def test_a_texted_code_appears_in_the_admin_log_without_reload(
    server: Server, page: Page, browser: Browser, screenshots: Path
) -> None:
    user_token = invite_user(server, "sms-log@example.com")
    before = newest_message_id(server)
    page.goto("/messages/")
    expect(page.get_by_role("heading", name="All texts (admin)")).to_be_visible()
    expect(page.locator('[data-refresh="ok"]')).to_contain_text("Live")
    page.evaluate("() => { window.__sameDocument = true; }")

    # The user asks for a phone code: the notifier's queue writes it to the console outbox.
    with as_user(server, user_token) as client:
        asked = client.post("/users/me/phone", json={"phone": PHONE})
    assert asked.status_code == 202, asked.text

    log = page.get_by_role("list", name="Messages")
    texted = log.locator("li", has_text=MASKED).first
    expect(texted).to_be_visible()
    assert int(texted.get_attribute("data-message-id") or 0) > before
    expect(texted).to_contain_text(CODE_TEXT)
    expect(texted).to_contain_text("console outbox")
    expect(texted).to_contain_text("Sent")
    expect(texted).to_contain_text("delivered")  # the console marks its texts delivered
    assert PHONE not in page.content()  # only the masked number
    assert page.evaluate("() => window.__sameDocument") is True
    page.screenshot(path=screenshots / "messages.png", full_page=True)

    page.get_by_role("button", name="Received").click()
    expect(log.locator("li", has_text=MASKED)).to_have_count(0)

    # The user sees their own texts only, on a phone.
    mine = signed_in(browser, server, user_token, width=390)
    phone = mine.new_page()
    try:
        phone.goto("/messages/")
        expect(phone.get_by_role("heading", name="Your texts")).to_be_visible()
        own = phone.get_by_role("list", name="Messages").locator("li")
        expect(own).to_have_count(1)
        expect(own).to_contain_text(CODE_TEXT)
        width = phone.evaluate("() => document.scrollingElement.scrollWidth")
        phone.screenshot(path=screenshots / "phone-messages-user.png", full_page=True)
        assert width <= 390, f"the messages page is {width} px wide on a 390 px screen"
    finally:
        mine.close()
