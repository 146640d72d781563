"""The real bot with its console on: polling the fake Bot API, serving the console on a free local port, and an
HTTP client that calls the console's API as a given user (signed initData)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from tests.journeys import eventually
from tests.support.app import bot_settings, start_app, stop_app
from tests.support.redis import free_port
from tests.support.webapp import init_data

CONSOLE_URL = "https://console.example.com/console/"


@dataclass
class RunningConsole:
    app: App
    telegram: FakeTelegram
    url: str  # http://127.0.0.1:<port>, where the console's page and API are
    http: aiohttp.ClientSession

    def headers(self, user: FakeUser, *, auth_date: int | None = None) -> dict[str, str]:
        """The header the page sends for `user`, signed with the bot's token."""
        return {"Authorization": "tma " + init_data(self.telegram.token, user.id, user.first_name, auth_date)}

    async def call(
        self, user: FakeUser | None, method: str, path: str, *, json: Any = None, data: str | None = None
    ) -> tuple[int, Any]:
        """Call the API as `user` (None: without initData); the status and the JSON (or text) answer."""
        headers = self.headers(user) if user is not None else {}
        async with self.http.request(method, self.url + path, headers=headers, json=json, data=data) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()


async def _listening(console: RunningConsole) -> bool | None:
    try:
        status, _ = await console.call(None, "GET", "/console/api/me")
    except aiohttp.ClientConnectionError:
        return None
    return status == 401 or None


@asynccontextmanager
async def running_console(telegram: FakeTelegram, database_url: str, **settings: Any) -> AsyncIterator[RunningConsole]:
    port = free_port()
    app, task = await start_app(
        bot_settings(
            telegram, database_url, console_url=CONSOLE_URL, webhook_host="127.0.0.1", webhook_port=port, **settings
        )
    )
    try:
        async with aiohttp.ClientSession() as http:
            running = RunningConsole(app, telegram, f"http://127.0.0.1:{port}", http)
            await eventually(lambda: _listening(running), "the console's web server did not start")
            yield running
    finally:
        await stop_app(app, task)
