"""Driving the real dispatcher one update at a time: each update is fully handled before the next step.

Users act through the fake Bot API as in end-to-end tests (so buttons, callbacks and answers behave like Telegram's),
but instead of the bot polling in the background, `deliver` fetches the pending updates and feeds them to the
dispatcher itself. A test can then look at the database right after an update, with nothing still in flight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiogram.methods import GetUpdates

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from tests.support.app import NO_FLOOD_LIMIT, bot_settings


@dataclass
class Stepper:
    app: App
    telegram: FakeTelegram
    offset: int = 0

    async def deliver(self) -> None:
        """Handle every update users have sent so far, in order."""
        updates = await self.app.bot(GetUpdates(offset=self.offset, timeout=0))
        for update in updates:
            self.offset = update.update_id + 1
            await self.app.dispatcher.feed_update(self.app.bot, update)

    async def text(self, user: FakeUser, text: str) -> list[Sent]:
        """The user types `text`; returns what the bot sent or edited in answer."""
        mark = len(self.telegram.sent)
        self.telegram.push_text(user, text)
        await self.deliver()
        return self.telegram.sent[mark:]

    async def press(self, user: FakeUser, message: Sent, data: str) -> str | None:
        """The user presses a button carrying `data` on `message`; returns the text of the bot's callback answer."""
        update_id = self.telegram.push_callback(user, message, data)
        await self.deliver()
        answer = self.telegram.callback_answer(update_id)
        return None if answer is None else str(answer.get("text", ""))


@asynccontextmanager
async def stepper(telegram: FakeTelegram, database_url: str) -> AsyncIterator[Stepper]:
    """The real app (no polling, no flood limit) on the test's database."""
    app = await App.create(bot_settings(telegram, database_url), flood=NO_FLOOD_LIMIT)
    try:
        yield Stepper(app, telegram)
    finally:
        await app.close()
