"""The real bot polling a FakeTelegram: its settings, starting and stopping it, and the owner it knows."""

from __future__ import annotations

import asyncio
import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from bot.settings import Settings
from bot.throttle import FloodLimit
from tests.support.audiences import programme_without_automations

OWNER = FakeUser(id=900001, first_name="Olga", language_code="en")
NO_FLOOD_LIMIT = FloodLimit(burst=10_000, per_second=10_000)
STARTUP_SECONDS = 30


@functools.cache
def sample_without_automations() -> Path:
    """The sample programme without its automations, written once per test process. An automation whose time has
    passed today runs when the bot starts, so with them every test started after 10:00 in the programme's zone would
    also deliver the day's birthday campaign: tests would behave by the hour. A test of automations runs its own."""
    directory = Path(tempfile.mkdtemp(prefix="loyalty-programme-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return programme_without_automations(directory)


def bot_settings(telegram: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    """Settings for the real bot on `telegram` and `database_url`, with OWNER as its one admin and the sample
    programme without its automations."""
    values: dict[str, Any] = {
        "bot_token": telegram.token,
        "telegram_api_url": telegram.url,
        "database_url": database_url,
        "admin_ids": frozenset({OWNER.id}),
        "programme_file": sample_without_automations(),
        **overrides,
    }
    return Settings(_env_file=None, **values)


async def start_app(settings: Settings, flood: FloodLimit = NO_FLOOD_LIMIT) -> tuple[App, asyncio.Task[None]]:
    """The real bot built from `settings`, polling in a task of its own: returned once it has started (or its start
    failed, which the task then holds), so that a test may stop it at once."""
    app = await App.create(settings, flood=flood)
    started = asyncio.Event()

    async def on_startup() -> None:  # after the app's own start-up, which registered first
        started.set()

    app.dispatcher.startup.register(on_startup)
    task = asyncio.create_task(app.run_polling())
    waiting = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiting}, timeout=STARTUP_SECONDS, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()  # still waiting when the start failed: nothing is left pending
    return app, task


async def stop_app(app: App, task: asyncio.Task[None]) -> None:
    """Stop polling, wait for the polling task to end, and close the bot."""
    await app.dispatcher.stop_polling()
    await asyncio.wait_for(task, 10)
    await app.close()
