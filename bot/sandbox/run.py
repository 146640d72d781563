"""The sandbox as one object: the Bot API stand-in, the real bot polling it on the demo database, and the chats the
page shows; started, reset and stopped together."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.app import App
from bot.sandbox import demo
from bot.sandbox.feed import Feed
from bot.sandbox.telegram import FakeTelegram, FakeUser
from scheduler.nightly_analytics import nightly_analytics

log = logging.getLogger(__name__)
BOT_USERNAME = "demo_cafe_bot"


def first_phones() -> list[demo.Person]:
    """The phones the page opens with: a customer, the cashier and the owner."""
    return [demo.customer(1), demo.CASHIER, demo.OWNER]


class Sandbox:
    """The running demo; `people` are the phones on the page, in order."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.people = first_phones()
        self.telegram = FakeTelegram(token=demo.TOKEN, bot_username=BOT_USERNAME)
        self.feed = Feed(BOT_USERNAME)
        self._app: App | None = None
        self._polling: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Seed the demo database if it is new, then start the stand-in and the real bot polling it."""
        self.telegram = FakeTelegram(token=demo.TOKEN, bot_username=BOT_USERNAME)
        self.feed = Feed(BOT_USERNAME)
        self.telegram.listen(self.feed.bot_sent)
        created = await demo.prepare(self.database)
        await self.telegram.start()
        app = await App.create(demo.settings(self.database, self.telegram.url))
        if created:
            log.info("the nightly analytics run once, so that segments and offers have data")
            await nightly_analytics(app.jobs)
        self._app = app
        self._polling = asyncio.create_task(app.run_polling())

    async def stop(self) -> None:
        if self._app is not None and self._polling is not None:
            await self._app.dispatcher.stop_polling()
            await asyncio.wait_for(self._polling, 10)
            await self._app.close()
        self._app = self._polling = None
        await self.telegram.close()

    async def reset(self) -> None:
        """Start over: a fresh demo database, empty chats, the first three phones only."""
        async with self._lock:
            await self.stop()
            demo.erase(self.database)
            self.people = first_phones()
            await self.start()

    def add_customer(self) -> demo.Person:
        """Another customer's phone."""
        person = demo.customer(sum(p.role.startswith("Customer") for p in self.people) + 1)
        self.people.insert(sum(p.role.startswith("Customer") for p in self.people), person)
        return person

    def person(self, user_id: int) -> demo.Person | None:
        return next((p for p in self.people if p.id == user_id), None)

    def user(self, person: demo.Person) -> FakeUser:
        return FakeUser(id=person.id, first_name=person.name, language_code="en")
