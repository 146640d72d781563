"""The sandbox's page in headless Chromium: the whole journey of the issue, played through three phones the way a
visitor clicks them, found by role and accessible name."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from tests.support.browser import CHROMIUM, chromium, sandbox_page, screenshot

# A developer without the browser may skip these; CI installs it (.ci/run), so there a missing browser fails.
pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs the distribution's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
    pytest.mark.timeout(240),
]
WAIT_MS = 15_000


async def say(phone: Locator, text: str) -> None:
    await phone.get_by_label("Message").fill(text)
    await phone.get_by_role("button", name="Send", exact=True).click()


def chat(phone: Locator) -> Locator:
    return phone.get_by_role("log")


def watch_console(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


async def test_join_scan_sell_campaign_and_offers(tmp_path: Path) -> None:
    async with sandbox_page(tmp_path / "demo.db") as (_, url), chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        errors = watch_console(page)
        await page.goto(url)
        expect.set_options(timeout=WAIT_MS)
        customer = page.get_by_role("region", name="Customer", exact=True)
        cashier = page.get_by_role("region", name="Cashier", exact=True)
        owner = page.get_by_role("region", name="Owner", exact=True)

        # The customer joins: agrees, says yes to offers, shares the phone; then opens the card.
        await say(customer, "/start")
        await customer.get_by_role("button", name="I agree").click()
        await expect(chat(customer)).to_contain_text("member number is")
        await expect(chat(customer)).not_to_contain_text("Do you agree")  # the question was edited into the welcome
        await customer.get_by_role("button", name="Yes, please").click()
        await expect(chat(customer)).to_contain_text("Share your phone number")
        await customer.get_by_role("button", name="Share my phone", exact=True).click()
        await expect(chat(customer)).to_contain_text("+7 900 555-11-01")
        await say(customer, "/card")
        await expect(customer.get_by_role("img", name="Member card QR code")).to_be_visible()

        # The cashier's camera opens the card: the member's panel; a sale of 450 from its button.
        await customer.get_by_role("button", name="Scan with the cashier's phone").click()
        await expect(chat(cashier)).to_contain_text("Member №")
        await cashier.get_by_role("button", name="Sale").click()
        await expect(chat(cashier)).to_contain_text("Amount of the sale")
        await say(cashier, "450")
        await expect(chat(cashier)).to_contain_text("Sale of 450")

        # The customer hears of the points at once, with a way to say it wasn't them.
        await expect(chat(customer)).to_contain_text("+22 points")
        await expect(chat(customer)).to_contain_text("Balance: 122 points")
        await expect(customer.get_by_role("button", name="This wasn't me")).to_be_visible()

        # The owner's campaign to everyone reaches the customer's phone.
        await say(owner, "/campaign all now | Hello from the demo")
        await expect(chat(customer)).to_contain_text("Hello from the demo", timeout=60_000)

        # Offers with their reasons, and one activated into a coupon.
        await say(customer, "/offers")
        await expect(chat(customer).locator("b", has_text="Picked for you")).to_be_visible()  # the bot's HTML
        await expect(chat(customer)).to_contain_text("Why you:")
        await customer.get_by_role("button", name=re.compile("^Activate")).first.click()
        await expect(chat(customer)).to_contain_text("Valid until")

        await say(customer, "/mydata")
        await expect(customer.get_by_role("link", name=re.compile(r"\.json$"))).to_be_visible()

        await say(customer, "/offers")
        await expect(customer.get_by_role("button", name=re.compile("^Show my coupon")).last).to_be_visible()
        await screenshot(page, "sandbox.png")
        assert errors == []


async def test_phones_stack_on_a_phone_sized_window_and_reset_starts_over(tmp_path: Path) -> None:
    async with sandbox_page(tmp_path / "demo.db") as (_, url), chromium() as browser:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        errors = watch_console(page)
        await page.goto(url)
        expect.set_options(timeout=WAIT_MS)
        customer = page.get_by_role("region", name="Customer", exact=True)
        cashier = page.get_by_role("region", name="Cashier", exact=True)
        await expect(customer).to_be_visible()
        first, second = await customer.bounding_box(), await cashier.bounding_box()
        assert first is not None
        assert second is not None
        assert first["width"] <= 390
        assert second["y"] >= first["y"] + first["height"]
        await say(customer, "/start")
        await expect(customer.get_by_role("button", name="I agree")).to_be_visible()
        await customer.get_by_role("button", name="Menu").click()
        await expect(customer.get_by_role("button", name="/offers Offers picked for me")).to_be_visible()
        await page.get_by_role("button", name="New customer").click()
        await expect(page.get_by_role("region", name="Customer 2")).to_be_visible()
        await page.get_by_role("button", name="Reset").click()  # starts over: a fresh demo database, three phones
        await expect(page.get_by_role("region", name="Customer 2")).to_have_count(0, timeout=60_000)
        await expect(chat(page.get_by_role("region", name="Customer", exact=True))).to_have_text("")
        assert errors == []


async def test_only_telegrams_formatting_reaches_the_page(tmp_path: Path) -> None:
    async with sandbox_page(tmp_path / "demo.db") as (_, url), chromium() as browser:
        page = await browser.new_page()
        await page.goto(url)
        drawn = await page.evaluate(
            """() => {
                const box = document.createElement("div");
                box.append(sanitized('<b>bold</b> <tg-spoiler>hidden</tg-spoiler> <img src=x onerror="alert(1)">'
                    + '<script>alert(2)</script><a href="javascript:alert(3)" onclick="x()">link</a>'
                    + '<a href="https://example.com/">ok</a><div class="x">plain</div>'));
                return box.innerHTML;
            }"""
        )
        assert drawn == (
            '<b>bold</b> <span class="spoiler">hidden</span> <a>link</a>'
            '<a href="https://example.com/" target="_blank" rel="noopener">ok</a>plain'
        )
