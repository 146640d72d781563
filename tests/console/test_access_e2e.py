"""Who may use the console's API: initData signed by the bot's token and at most an hour old, and each role sees
and changes only what it may (owners everything; admins figures, programme, staff and audit to read; cashiers
members). Refusals change nothing."""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp
import pytest

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core import clock, programme_versions
from models.core.base import utcnow
from models.core.uow import UnitOfWork
from tests.journeys import eventually, join, send
from tests.support.app import OWNER, bot_settings
from tests.support.console import CONSOLE_URL, RunningConsole
from tests.support.redis import free_port
from tests.support.webapp import init_data

ADMIN = FakeUser(id=7201, first_name="Adam", language_code="en")
CASHIER = FakeUser(id=7202, first_name="Cora", language_code="en")
CUSTOMER = FakeUser(id=7203, first_name="Kate", language_code="en")
STRANGER = FakeUser(id=7204, first_name="Sam", language_code="en")

OWNS, ADMINS, CASHES = "owner", "admin", "cashier"
# (method, path, body, the roles that may): every endpoint, with a body that would change something if let through.
ENDPOINTS: list[tuple[str, str, object, set[str]]] = [
    ("GET", "/console/api/me", None, {OWNS, ADMINS, CASHES}),
    ("GET", "/console/api/dashboard", None, {OWNS, ADMINS}),
    ("GET", "/console/api/programme", None, {OWNS, ADMINS}),
    ("GET", "/console/api/programme/versions", None, {OWNS, ADMINS}),
    ("GET", "/console/api/programme.toml", None, {OWNS, ADMINS}),
    ("GET", "/console/api/staff", None, {OWNS, ADMINS}),
    ("GET", "/console/api/audit", None, {OWNS, ADMINS}),
    ("GET", "/console/api/members?q=Kate", None, {OWNS, ADMINS, CASHES}),
    ("GET", "/console/api/export/members.csv", None, {OWNS}),
    ("GET", "/console/api/export/ledger.csv", None, {OWNS}),
    ("GET", "/console/api/export/purchases.csv", None, {OWNS}),
    ("POST", "/console/api/programme/versions/1/restore", None, {OWNS}),
    ("POST", "/console/api/invitations", {"role": "cashier", "branch": None}, {OWNS}),
]


async def versions(console: RunningConsole) -> int:
    async with UnitOfWork(console.app.sessionmaker) as unit:
        return await programme_versions.latest_version(unit.session)


async def staff_of_every_kind(console: RunningConsole) -> None:
    await send(console.telegram, OWNER, f"/staff add {ADMIN.id} admin", expect="now a admin")
    await send(console.telegram, OWNER, f"/staff add {CASHIER.id} cashier", expect="now a cashier")
    await join(console.telegram, CUSTOMER)


class TestWhoIsAsking:
    async def test_each_role_reaches_exactly_its_endpoints(self, console: RunningConsole) -> None:
        await staff_of_every_kind(console)
        people = {OWNS: OWNER, ADMINS: ADMIN, CASHES: CASHIER}
        for method, path, body, allowed in ENDPOINTS:
            for role, user in people.items():
                status, answer = await console.call(user, method, path, json=body)
                expected = 200 if role in allowed else 403
                assert status == expected, (role, method, path, answer)
            for outsider in (CUSTOMER, STRANGER):
                status, answer = await console.call(outsider, method, path, json=body)
                assert status == 403, (outsider.first_name, path, answer)
                assert set(answer) == {"error"}

    async def test_me_says_who_and_what_role(self, console: RunningConsole) -> None:
        await staff_of_every_kind(console)
        for user, role in ((OWNER, OWNS), (ADMIN, ADMINS), (CASHIER, CASHES)):
            status, me = await console.call(user, "GET", "/console/api/me")
            assert status == 200
            assert me == {
                "user_id": user.id,
                "name": user.first_name,
                "role": role,
                "branch": None,
                "bot_username": console.telegram.bot_username,
                "today": clock.business_day(console.app.programme, utcnow()).isoformat(),  # the shop's date
                "timezone": console.app.programme.timezone,
            }

    async def test_missing_forged_and_stale_init_data_are_refused(self, console: RunningConsole) -> None:
        url = console.url + "/console/api/me"
        forged = init_data("123456:another-bots-token", OWNER.id, OWNER.first_name)
        tampered = console.headers(OWNER)["Authorization"].replace(f"%22id%22%3A{OWNER.id}", "%22id%22%3A7204")
        stale = console.headers(OWNER, auth_date=int(time.time()) - 3601)["Authorization"]
        fresh_enough = console.headers(OWNER, auth_date=int(time.time()) - 3500)["Authorization"]
        for header in ({}, {"Authorization": "Bearer x"}, {"Authorization": "tma " + forged}):
            async with console.http.get(url, headers=header) as response:
                assert response.status == 401
                assert "error" in await response.json()
        for value in (tampered, stale):
            async with console.http.get(url, headers={"Authorization": value}) as response:
                assert response.status == 401
        async with console.http.get(url, headers={"Authorization": fresh_enough}) as response:
            assert response.status == 200

    async def test_a_dismissed_admin_is_refused_at_once(self, console: RunningConsole) -> None:
        await staff_of_every_kind(console)
        assert (await console.call(ADMIN, "GET", "/console/api/staff"))[0] == 200
        status, _ = await console.call(OWNER, "DELETE", f"/console/api/staff/{ADMIN.id}")
        assert status == 200
        assert (await console.call(ADMIN, "GET", "/console/api/staff"))[0] == 403

    @pytest.mark.parametrize("user", [ADMIN, CASHIER])
    async def test_changes_refused_to_others_change_nothing(self, console: RunningConsole, user: FakeUser) -> None:
        await staff_of_every_kind(console)
        _, current = await console.call(OWNER, "GET", "/console/api/programme")
        before = await versions(console)
        assert (await console.call(user, "PUT", "/console/api/programme", json=current))[0] == 403
        assert (await console.call(user, "POST", "/console/api/programme.toml", data="name = 'x'"))[0] == 403
        assert (await console.call(user, "PATCH", f"/console/api/staff/{CASHIER.id}", json={"role": "admin"}))[0] == 403
        assert (await console.call(user, "DELETE", f"/console/api/staff/{CASHIER.id}"))[0] == 403
        assert await versions(console) == before
        _, roster = await console.call(OWNER, "GET", "/console/api/staff")
        expected = {(OWNER.id, OWNS), (ADMIN.id, ADMINS), (CASHIER.id, CASHES)}
        assert {(p["user_id"], p["role"]) for p in roster} == expected

    async def test_staff_get_the_console_as_their_menu_button_and_with_console(self, console: RunningConsole) -> None:
        await staff_of_every_kind(console)
        button = console.telegram.menu_buttons[CASHIER.id]
        assert button["type"] == "web_app"
        assert button["web_app"]["url"] == "https://console.example.com/console/"
        answer = await send(console.telegram, CASHIER, "/console")
        assert answer.buttons()[0]["web_app"]["url"] == "https://console.example.com/console/"
        await send(console.telegram, OWNER, f"/staff remove {CASHIER.id} cashier", expect="no longer")

        async def withdrawn() -> bool | None:  # just after the answer
            return console.telegram.menu_buttons[CASHIER.id] == {"type": "default"} or None

        await eventually(withdrawn, "the menu button still opens the console")


class TestConsoleOff:
    async def test_without_console_url_an_owner_is_told_how_to_turn_it_on(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        answer = await send(telegram, OWNER, "/console")
        assert "The console is off: set CONSOLE_URL" in (answer.text or "")
        assert answer.reply_markup is None
        assert OWNER.id not in telegram.menu_buttons


class TestWebhookMode:
    async def test_the_webhooks_server_serves_the_console_too(self, telegram: FakeTelegram, database_url: str) -> None:
        port = free_port()
        settings = bot_settings(
            telegram,
            database_url,
            webhook_url="https://bot.example.test/telegram/updates",
            webhook_secret="s3cret",
            webhook_host="127.0.0.1",
            webhook_port=port,
            console_url=CONSOLE_URL,
        )
        app = await App.create(settings)
        task = asyncio.create_task(app.run())
        try:

            async def registered() -> bool | None:
                return telegram.webhook is not None or None

            await eventually(registered, "the webhook was never registered")
            headers = {"Authorization": "tma " + init_data(telegram.token, OWNER.id, OWNER.first_name)}
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/console/api/me", headers=headers) as response,
            ):
                assert response.status == 200
                assert (await response.json())["role"] == "owner"
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await app.close()
