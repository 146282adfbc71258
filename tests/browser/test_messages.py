"""The SMS log page: what the demo's console outbox would have texted shows up live."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import Server
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PHONE = "+14155550142"
MASKED = "+1••••••0142"
CODE_TEXT = re.compile(r"code: \d{6} \(valid \d+ min\)")


def invite_user(server: Server) -> str:
    """A new user's token, from the admin API (as an admin does it)."""
    with server.api() as client:
        made = client.post("/admin/users", json={"email": "sms-log@example.com"})
        made.raise_for_status()
        token: str = made.json()["token"]
    return token


def newest_message_id(server: Server) -> int:
    with server.api() as client:
        listed = client.get("/sms/messages", params={"limit": 1})
        listed.raise_for_status()
        data = listed.json()["data"]
    return int(data[0]["id"]) if data else 0


def test_a_texted_code_appears_in_the_admin_log_without_reload(
    server: Server, page: Page, browser: Browser, screenshots: Path
) -> None:
    user_token = invite_user(server)
    before = newest_message_id(server)
    page.goto("/messages/")
    expect(page.get_by_role("heading", name="All texts (admin)")).to_be_visible()
    expect(page.locator('[data-refresh="ok"]')).to_contain_text("Live")
    page.evaluate("() => { window.__sameDocument = true; }")

    # The user asks for a phone code: the notifier's queue writes it to the console outbox.
    with server.api() as client:
        asked = client.post(
            "/users/me/phone",
            json={"phone": PHONE},
            headers={"Authorization": f"Bearer {user_token}"},
        )
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
    mine = browser.new_context(base_url=server.base_url, viewport={"width": 390, "height": 844})
    mine.add_init_script(f"window.localStorage.setItem('tradeassist.token', {user_token!r});")
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
