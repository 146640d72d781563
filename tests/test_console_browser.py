"""The owner's console in headless Chromium at a phone's size, against the real bot polling the fake Bot API: what an
owner does in the page reaches customers and cashiers in the chat, without a restart."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, FilePayload, Page, Response, Route, ViewportSize, expect
from sqlalchemy import select

from bot.sandbox import demo
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.campaigns.records import Campaign
from models.core import clock
from models.core.base import utcnow
from models.core.uow import transaction
from models.members.numbers import shown
from scheduler.nightly_analytics import nightly_analytics
from tests.journeys import eventually, join, press, send
from tests.support.app import OWNER
from tests.support.browser import CHROMIUM, chromium, screenshot
from tests.support.console import RunningConsole, running_console
from tests.support.paths import SAMPLE_PROGRAMME
from tests.support.webapp import init_data
from tests.test_branches_e2e import BRANCHES

# A developer without the browser may skip these; CI installs it (.ci/run), so there a missing browser fails.
pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs the distribution's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
    pytest.mark.timeout(240),
]
PHONE = ViewportSize(width=390, height=844)
WAIT_MS = 15_000
ANNA = FakeUser(id=5101, first_name="Anna", language_code="en")
BORIS = FakeUser(id=5102, first_name="Boris", language_code="en")
CARL = FakeUser(id=7101, first_name="Carl", language_code="en")
DINA = FakeUser(id=7102, first_name="Dina", language_code="en")


@dataclass
class Trouble:
    """What went wrong in the page: console errors, uncaught exceptions, requests that failed or were refused."""

    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("requestfailed", lambda request: self.refused.append(f"{request.url}: {request.failure}"))
        page.on("response", self._answered)

    def _answered(self, response: Response) -> None:
        if response.status >= 400:
            self.refused.append(f"{response.request.method} {response.url}: {response.status}")


@asynccontextmanager
async def console_page(
    browser: Browser,
    console: RunningConsole,
    user: FakeUser,
    theme: dict[str, str] | None = None,
    timezone: str | None = None,
    prepare: Callable[[Page], Awaitable[None]] | None = None,
) -> AsyncIterator[tuple[Page, Trouble]]:
    """The console opened by `user` as Telegram's app opens a Mini App: the launch parameters (signed initData, the
    theme) in the URL's hash, and Telegram's event receiver recording what the page tells it; the phone's clock in
    `timezone` (the machine's by default). `prepare` sets up the page before it opens (a clock to move, a route)."""
    page = await browser.new_page(viewport=PHONE, timezone_id=timezone)
    trouble = Trouble()
    trouble.watch(page)
    if prepare is not None:
        await prepare(page)
    await page.add_init_script("window.TelegramWebviewProxy = {events: [], postEvent(type) { this.events.push(type) }}")
    signed = init_data(console.telegram.token, user.id, first_name=user.first_name)
    launch = {"tgWebAppData": signed, "tgWebAppThemeParams": json.dumps(theme or {})}
    await page.goto(f"{console.url}/console/#{urlencode(launch, quote_via=quote)}")
    expect.set_options(timeout=WAIT_MS)
    await expect(page.get_by_role("tablist", name="Sections")).to_be_visible()
    try:
        yield page, trouble
    finally:
        await page.close()


async def api_get(console: RunningConsole, user: FakeUser, path: str) -> Any:
    """One API call as `user`, from outside the page: what the server holds, not what the page shows."""
    status, answer = await console.call(user, "GET", f"/console/api/{path}")
    assert status == HTTPStatus.OK, answer
    return answer


async def open_tab(page: Page, name: str) -> None:
    await page.get_by_role("tab", name=name).click()
    await expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()


async def offers_until(telegram: FakeTelegram, customer: FakeUser, title: str, *, present: bool) -> str:
    """The customer's /offers, asked again until the offer `title` is there (or gone): a new version reaches every
    process within seconds, and the test does not count on this one being quicker."""

    async def offers() -> str | None:
        text = (await send(telegram, customer, "/offers")).text or ""
        return text if (title in text) == present else None

    return await eventually(offers, f"/offers never {'showed' if present else 'dropped'} {title!r}")


async def test_an_offer_added_in_the_console_reaches_a_customer_without_a_restart(
    console: RunningConsole,
) -> None:
    telegram = console.telegram
    await join(telegram, ANNA)
    assert "Hot chocolate on the house" not in ((await send(telegram, ANNA, "/offers")).text or "")
    async with chromium() as browser, console_page(browser, console, OWNER) as (page, trouble):
        await open_tab(page, "Programme")
        await page.get_by_role("button", name="Add an offer").click()
        offer = page.get_by_role("group", name="New offer")
        await offer.get_by_label("Id", exact=True).fill("hot_chocolate")
        await offer.get_by_label("Kind").select_option("discount")  # the form shows what this kind uses
        await expect(offer.get_by_label("Discount percent")).to_be_visible()
        await expect(offer.get_by_label("Collection items")).to_be_hidden()
        await offer.get_by_label("Kind").select_option("gift")
        await expect(offer.get_by_label("Discount percent")).to_be_hidden()
        await offer.get_by_role("group", name="Title").get_by_label("English").fill("Hot chocolate on the house")
        await offer.get_by_role("group", name="Title").get_by_label("Russian").fill("Горячий шоколад от заведения")
        await offer.get_by_role("group", name="Description").get_by_label("English").fill("Any evening this week.")
        await offer.get_by_role("group", name="Description").get_by_label("Russian").fill("Любой вечер этой недели.")
        await offer.get_by_label("Value", exact=True).fill("250")
        await page.get_by_role("button", name="Save as a new version").click()
        await expect(page.get_by_role("status")).to_have_text("Saved as version 2.")

        text = await offers_until(telegram, ANNA, "Hot chocolate on the house", present=True)
        assert "Any evening this week." in text
        saved = await api_get(console, OWNER, "programme")
        assert [offer["id"] for offer in saved["programme"]["offers"]][-1] == "hot_chocolate"

        # Restoring the first version takes the offer away again, as a new version.
        await page.get_by_role("button", name="Restore 1").click()
        await expect(page.get_by_role("status")).to_have_text("Version 1 restored as version 3.")
        await offers_until(telegram, ANNA, "Hot chocolate on the house", present=False)
        assert trouble.errors == []
        assert trouble.refused == []


async def test_an_invalid_value_is_shown_next_to_its_field_and_nothing_is_saved(console: RunningConsole) -> None:
    before = await api_get(console, OWNER, "programme")
    async with chromium() as browser, console_page(browser, console, OWNER) as (page, trouble):
        await open_tab(page, "Programme")
        await page.get_by_text("A cappuccino on us", exact=True).click()
        cappuccino = page.get_by_role("group", name="A cappuccino on us")
        cost = cappuccino.get_by_label("Points cost", exact=True)
        await cost.fill("-5")
        await page.get_by_role("button", name="Save as a new version").click()

        await expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
        await expect(cost).to_have_attribute("aria-invalid", "true")
        await expect(cost).to_have_accessible_description(re.compile("greater than or equal to 0"))
        await expect(cappuccino.get_by_label("Valid days", exact=True)).not_to_have_attribute("aria-invalid", "true")
        # The refusal was the server's (the same model as the programme file), and the only one.
        assert trouble.refused == [f"PUT {console.url}/console/api/programme: 422"]
        assert [error for error in trouble.errors if "422" not in error] == []

    after = await api_get(console, OWNER, "programme")
    assert after == before
    assert len(await api_get(console, OWNER, "programme/versions")) == 1


async def test_an_owner_invites_a_cashier_by_link_who_then_records_a_sale(console: RunningConsole) -> None:
    telegram = console.telegram
    member = await join(telegram, ANNA)
    async with chromium() as browser:
        async with console_page(browser, console, OWNER) as (page, trouble):
            await open_tab(page, "Staff")
            await page.get_by_label("Role", exact=True).select_option("cashier")
            await page.get_by_role("button", name="Create an invitation link").click()
            link = await page.get_by_label("Invitation link").input_value()
            me = await api_get(console, OWNER, "me")
            assert link.startswith(f"https://t.me/{me['bot_username']}?start=staff_")
            assert trouble.errors == []
            assert trouble.refused == []

        # Carl opens the link in Telegram: the bot asks him to confirm, and then he is a cashier.
        question = await send(telegram, CARL, f"/start {link.split('start=')[1]}", expect="invited")
        mark = len(telegram.sent)
        await press(telegram, CARL, question, "Join as")
        await telegram.wait_for(CARL.id, contains="You are now a cashier", after=mark)
        sale = await send(telegram, CARL, f"/sale {shown(member)} 450", expect="Sale of 450")
        assert f"member №{shown(member)}" in (sale.text or "")

        # In the console the cashier sees only the member search, and finds Anna's value card there.
        async with console_page(browser, console, CARL) as (page, trouble):
            tabs = page.get_by_role("tablist", name="Sections").get_by_role("tab")
            await expect(tabs).to_have_text(["Members"])
            await page.get_by_label("Find a member").fill(shown(member))
            await page.get_by_role("button", name="Find").click()
            await page.get_by_role("button", name=shown(member)).click()
            await expect(page.get_by_role("article", name="Value card")).to_contain_text(shown(member))
            assert trouble.errors == []
            assert trouble.refused == []

    staff = await api_get(console, OWNER, "staff")
    assert {"user_id": CARL.id, "role": "cashier"}.items() <= next(p for p in staff if p["user_id"] == CARL.id).items()


def a_zone_on_another_day(programme_day: date) -> str:
    """A time zone whose date now is not the shop's: of two zones 26 hours apart, at least one differs from it."""
    for zone in ("Etc/GMT+12", "Etc/GMT-14"):  # UTC-12 and UTC+14 (the signs of Etc/ zones are reversed)
        if datetime.now(ZoneInfo(zone)).date() != programme_day:
            return zone
    raise AssertionError("two dates 26 hours apart cannot both be the shop's")


async def test_periods_count_the_shops_days_whatever_the_phones_zone(console: RunningConsole) -> None:
    """An owner abroad (or a phone set to another zone) gets the shop's today as the end of every period, and today's
    sales in what the period shows."""
    telegram = console.telegram
    anna = await join(telegram, ANNA)
    await send(telegram, OWNER, f"/sale {shown(anna)} 450", expect="Sale of 450")
    today = clock.business_day(console.app.programme, utcnow())
    zone = a_zone_on_another_day(today)
    async with chromium() as browser, console_page(browser, console, OWNER, timezone=zone) as (page, trouble):
        await open_tab(page, "Exports")
        await expect(page.locator("input[name=to]")).to_have_value(today.isoformat())
        await expect(page.locator("input[name=from]")).to_have_value((today - timedelta(days=30)).isoformat())
        async with page.expect_download() as purchases_file:
            await page.get_by_role("button", name="Purchases (CSV)").click()
        purchases = (await (await purchases_file.value).path()).read_text("utf-8")
        await open_tab(page, "Dashboard")
        await expect(page.locator("input[name=to]")).to_have_value(today.isoformat())
        assert trouble.errors == []
        assert trouble.refused == []
    assert [row["amount"] for row in csv.DictReader(io.StringIO(purchases))] == ["450.00"]


async def test_a_console_left_open_moves_on_to_the_next_day_at_the_shops_midnight(console: RunningConsole) -> None:
    """An owner who leaves the console open overnight finds the next day's periods in the morning, on a phone in
    another zone too: the day turns at the shop's midnight, not the phone's."""
    programme = console.app.programme
    now = utcnow()
    today = clock.business_day(programme, now)
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), clock.zone(programme))
    phone = a_zone_on_another_day(today)

    async def movable_clock(page: Page) -> None:
        await page.clock.install()  # starts at the real time; only the test moves it

    async with (
        chromium() as browser,
        console_page(browser, console, OWNER, timezone=phone, prepare=movable_clock) as (page, trouble),
    ):
        await open_tab(page, "Exports")
        await expect(page.locator("input[name=to]")).to_have_value(today.isoformat())
        await page.clock.fast_forward(int((midnight - now).total_seconds() * 1000) + 60_000)  # a minute past it
        # Tabs that ask the server nothing on opening: only the phone's clock moved, the server's is still on today.
        await open_tab(page, "Members")
        await open_tab(page, "Exports")
        await expect(page.locator("input[name=to]")).to_have_value((today + timedelta(days=1)).isoformat())
        await expect(page.locator("input[name=from]")).to_have_value((today - timedelta(days=29)).isoformat())
        await page.wait_for_load_state("networkidle")
        assert trouble.errors == []
        assert trouble.refused == []


async def test_a_phone_that_does_not_know_the_shops_zone_still_counts_periods_from_the_shops_day(
    console: RunningConsole,
) -> None:
    """An old phone's time-zone data may lack a newer zone's name: the console still opens, its periods ending on the
    shop's today (they then stay on it until it is reopened)."""
    today = clock.business_day(console.app.programme, utcnow())

    async def zone_unknown_to_the_phone(page: Page) -> None:
        async def me(route: Route) -> None:
            answer = await route.fetch()
            await route.fulfill(response=answer, json={**await answer.json(), "timezone": "Mars/Olympus_Mons"})

        await page.route("**/console/api/me", me)

    async with (
        chromium() as browser,
        console_page(browser, console, OWNER, prepare=zone_unknown_to_the_phone) as (page, trouble),
    ):
        await open_tab(page, "Exports")
        await expect(page.locator("input[name=to]")).to_have_value(today.isoformat())
        assert trouble.errors == []


async def test_a_csv_export_downloads_and_parses_with_the_expected_rows(console: RunningConsole) -> None:
    telegram = console.telegram
    anna, boris = await join(telegram, ANNA), await join(telegram, BORIS)
    await send(telegram, OWNER, f"/sale {shown(anna)} 450", expect="Sale of 450")
    async with chromium() as browser, console_page(browser, console, OWNER) as (page, trouble):
        await open_tab(page, "Exports")
        async with page.expect_download() as members_file:
            await page.get_by_role("button", name="Members (CSV)").click()
        members = list(csv.DictReader(io.StringIO((await (await members_file.value).path()).read_text("utf-8"))))
        async with page.expect_download() as purchases_file:
            await page.get_by_role("button", name="Purchases (CSV)").click()
        raw_purchases = (await (await purchases_file.value).path()).read_text("utf-8")
        assert trouble.errors == []
        assert trouble.refused == []

    assert sorted(int(row["member_id"]) for row in members) == sorted([anna, boris])
    assert {row["number"] for row in members} == {shown(anna), shown(boris)}
    assert {row["name"] for row in members} == {"Anna", "Boris"}
    purchases = list(csv.DictReader(io.StringIO(raw_purchases)))
    assert [(int(row["member_id"]), row["amount"]) for row in purchases] == [(anna, "450.00")]
    assert ',"450.00",' not in raw_purchases  # numbers are written as numbers


async def test_the_dashboard_draws_its_charts_at_a_phones_size_without_errors(console: RunningConsole) -> None:
    telegram = console.telegram
    anna = await join(telegram, ANNA)
    await join(telegram, BORIS)
    await send(telegram, OWNER, f"/sale {shown(anna)} 450", expect="Sale of 450")
    await send(telegram, OWNER, "/campaign all now | Autumn menu is here", expect="Campaign #1")

    async def started() -> bool | None:  # the scheduler starts it just after the answer
        async with transaction(console.app.sessionmaker) as session:
            return await session.scalar(select(Campaign.started_at.is_not(None)).where(Campaign.id == 1)) or None

    await eventually(started, "the campaign never started")
    async with chromium() as browser, console_page(browser, console, OWNER) as (page, trouble):
        tabs = page.get_by_role("tablist", name="Sections").get_by_role("tab")
        await expect(tabs).to_have_text(["Dashboard", "Programme", "Members", "Staff", "Audit", "Exports"])
        await expect(page.locator("figure.chart svg[role=img]")).to_have_count(5)
        tiles = page.get_by_role("definition")
        await expect(tiles.nth(0)).to_have_text("2")  # members
        await expect(tiles.nth(1)).to_have_text("50%")  # Anna bought, Boris did not
        new_members = page.get_by_role("img", name="New members per week")
        await expect(new_members.locator("title").last).to_have_text(re.compile(r"^New, .*: 2$"))
        sales = page.get_by_role("img", name="Sales per day").locator("title")
        await expect(sales.last).to_have_text(re.compile(r"^Sales, .*: 450$"))  # today's point ends the line
        await expect(page.get_by_role("img", name="Segment sizes").locator("rect")).not_to_have_count(0)
        campaigns = page.get_by_role("table").get_by_role("row")
        await expect(campaigns.nth(1)).to_contain_text("Autumn")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]  # nothing wider than the phone
        assert trouble.errors == []
        assert trouble.refused == []


async def test_the_dashboard_of_a_cafe_with_two_years_of_history(telegram: FakeTelegram, tmp_path: Path) -> None:
    """The sandbox's demo café (300 members, 24,000 purchases) after a night's analytics: every chart has its
    points, every figure a value; the picture in the README is this page."""
    database = tmp_path / "demo.db"
    await demo.prepare(database)
    async with running_console(telegram, f"sqlite+aiosqlite:///{database}") as served:
        await nightly_analytics(served.app.jobs)
        async with chromium() as browser, console_page(browser, served, OWNER) as (page, trouble):
            period = {name: await page.get_by_label(name).input_value() for name in ("From", "To")}
            figures = await api_get(served, OWNER, f"dashboard?from={period['From']}&to={period['To']}")
            assert len(figures["members_per_week"]) >= 13  # the 90 days the page starts with
            for chart in ("Members per week", "New members per week"):  # a point for every week
                marks = page.get_by_role("img", name=chart, exact=True).locator("title")
                await expect(marks).to_have_count(len(figures["members_per_week"]))
            await expect(page.get_by_role("img", name="Segment sizes").locator("rect")).not_to_have_count(0)
            await expect(page.get_by_role("img", name="Sales per day").locator("circle")).not_to_have_count(0)
            await expect(page.get_by_role("definition").first).to_have_text(re.compile(r"^\d{3}$"))  # members
            await screenshot(page, "console.png")
            assert trouble.errors == []
            assert trouble.refused == []


async def test_an_admin_sees_the_programme_and_the_audit_trail_but_changes_nothing(console: RunningConsole) -> None:
    telegram = console.telegram
    await send(telegram, OWNER, f"/staff add {DINA.id} admin", expect="admin")
    dark = {"bg_color": "#1c1c1d", "text_color": "#ffffff", "button_color": "#2f6ea5"}
    async with chromium() as browser, console_page(browser, console, DINA, dark) as (page, trouble):
        # Telegram hears that the page is ready and may take the full height; the page wears the user's theme.
        await page.wait_for_function("window.TelegramWebviewProxy.events.length >= 2")
        events = await page.evaluate("window.TelegramWebviewProxy.events")
        assert events == ["web_app_ready", "web_app_expand"]
        await expect(page.locator("body")).to_have_css("background-color", "rgb(28, 28, 29)")
        await expect(page.locator("body")).to_have_css("color", "rgb(255, 255, 255)")
        tabs = page.get_by_role("tablist", name="Sections").get_by_role("tab")
        await expect(tabs).to_have_text(["Dashboard", "Programme", "Members", "Audit"])
        await open_tab(page, "Programme")
        await expect(page.get_by_text("Only an owner can change the programme.")).to_be_visible()
        await page.get_by_text("A cappuccino on us", exact=True).click()
        await expect(
            page.get_by_role("group", name="A cappuccino on us").get_by_label("Points cost", exact=True)
        ).to_be_disabled()
        for absent in ("Save as a new version", "Add an offer", "Retire", "Restore 1"):
            await expect(page.get_by_role("button", name=absent)).to_have_count(0)
        await expect(page.get_by_role("button", name="Download TOML")).to_be_visible()

        await open_tab(page, "Audit")
        rows = page.get_by_role("table").get_by_role("row")
        await expect(rows.nth(1)).to_contain_text("staff.add")  # Dina's appointment
        await page.get_by_label("Action").fill("programme")
        await page.get_by_role("button", name="Filter").click()
        await expect(page.get_by_text("Nothing recorded for these filters.")).to_be_visible()
        await page.get_by_label("Action").fill("staff")
        await page.get_by_label("Who").fill(str(OWNER.id))
        await page.get_by_role("button", name="Filter").click()
        cells = rows.nth(1).get_by_role("cell")  # when, who, what, details
        await expect(cells.nth(1)).to_have_text(str(OWNER.id))
        await expect(cells.nth(2)).to_have_text("staff.add")
        await expect(cells.nth(3)).to_contain_text(f"{DINA.id}; role=admin")
        assert trouble.errors == []
        assert trouble.refused == []


def toml_file(text: str) -> FilePayload:
    return FilePayload(name="programme.toml", mimeType="text/plain", buffer=text.encode())


async def test_the_programme_goes_out_as_toml_and_comes_back_as_a_new_version(console: RunningConsole) -> None:
    async with chromium() as browser, console_page(browser, console, OWNER) as (page, trouble):
        await open_tab(page, "Programme")
        async with page.expect_download() as downloaded:
            await page.get_by_role("button", name="Download TOML").click()
        text = (await (await downloaded.value).path()).read_text("utf-8")
        assert tomllib.loads(text)["bonuses"]["welcome"] == 100

        upload = page.get_by_label("Upload TOML")
        broken = text.replace("welcome = 100", "welcome = -1")
        await upload.set_input_files(files=toml_file(broken))
        await expect(page.get_by_role("alert").last).to_contain_text("bonuses.welcome")
        changed = text.replace("welcome = 100", "welcome = 120")
        await upload.set_input_files(files=toml_file(changed))
        await expect(page.get_by_role("status")).to_have_text("Uploaded as version 2.")
        assert trouble.refused == [f"POST {console.url}/console/api/programme.toml: 422"]

    saved = await api_get(console, OWNER, "programme")
    assert saved["programme"]["bonuses"]["welcome"] == 120


async def test_an_owner_changes_a_role_and_removes_someone_from_the_staff(console: RunningConsole) -> None:
    telegram = console.telegram
    await send(telegram, OWNER, f"/staff add {CARL.id} cashier", expect="cashier")
    async with chromium() as browser, console_page(browser, console, OWNER) as (page, trouble):
        await open_tab(page, "Staff")
        carl = page.get_by_role("row").filter(has_text=f"User {CARL.id}")  # he has not written to the bot yet
        await carl.get_by_role("combobox", name=f"Role of User {CARL.id}").select_option("admin")
        await expect(page.get_by_role("status")).to_have_text(f"User {CARL.id} is now an admin.")
        roles = {person["user_id"]: person["role"] for person in await api_get(console, OWNER, "staff")}
        assert roles[CARL.id] == "admin"

        page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await carl.get_by_role("button", name="Remove").click()
        await expect(page.get_by_role("status")).to_have_text(f"User {CARL.id} is no longer staff.")
        await expect(carl).to_have_count(0)
        assert trouble.errors == []
        assert trouble.refused == []
    assert CARL.id not in {p["user_id"] for p in await api_get(console, OWNER, "staff")}


async def test_a_page_opened_outside_telegram_or_by_a_customer_shows_nothing_but_how_to_get_in(
    console: RunningConsole,
) -> None:
    await join(console.telegram, ANNA)
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        await page.goto(f"{console.url}/console/")  # no initData: a link opened in an ordinary browser
        await expect(page.get_by_role("alert")).to_contain_text("Open the console again from the bot's menu")
        await page.goto(f"{console.url}/console/#tgWebAppData={quote(init_data(console.telegram.token, ANNA.id))}")
        await page.reload()  # a new hash alone does not load the page again
        await expect(page.get_by_role("alert")).to_have_text("The console is for the programme's staff.")
        await expect(page.get_by_role("tab")).to_have_count(0)


async def test_an_owner_invites_a_cashier_to_a_branch_picked_from_the_programme_s_branches(
    telegram: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    programme = tmp_path / "programme.toml"
    programme.write_text(SAMPLE_PROGRAMME.read_text(encoding="utf-8") + BRANCHES, encoding="utf-8")
    async with running_console(telegram, database_url, programme_file=programme) as served:
        async with chromium() as browser, console_page(browser, served, OWNER) as (page, trouble):
            await open_tab(page, "Staff")
            await page.get_by_label("Role", exact=True).select_option("cashier")
            picker = page.get_by_label("Branch", exact=True)
            await expect(picker.locator("option")).to_have_text(["none (admins: everywhere)", "Centre", "Airport"])
            await page.get_by_role("button", name="Create an invitation link").click()  # a cashier without one
            await expect(page.get_by_text("A cashier works at a branch: pick one of centre, airport.")).to_be_visible()
            await picker.select_option(label="Airport")
            await page.get_by_role("button", name="Create an invitation link").click()
            link = await page.get_by_label("Invitation link").input_value()
            # The browser logs the refusal of the first try, and nothing else went wrong.
            assert [error for error in trouble.errors if "422" not in error] == []
            assert [line.split(": ")[1] for line in trouble.refused] == ["422"]

        question = await send(telegram, CARL, f"/start {link.split('start=')[1]}", expect="invited")
        mark = len(telegram.sent)
        await press(telegram, CARL, question, "Join as")
        await telegram.wait_for(CARL.id, contains="You are now a cashier", after=mark)
        staff = await api_get(served, OWNER, "staff")
        assert {"user_id": CARL.id, "role": "cashier", "branch": "airport"}.items() <= staff[-1].items()
