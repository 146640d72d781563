"""Flood control over the fake Bot API: a flooding user gets one "slow down" and is ignored; others are not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.middlewares import FloodLimit
from bot.sandbox.telegram import FakeTelegram, FakeUser
from tests.journeys import send
from tests.support.app import bot_settings, start_app, stop_app

FLOOD = FloodLimit(burst=3, per_second=0.5, mute_seconds=2)
FLOODER = FakeUser(id=6001, first_name="Fedor")
CALM = FakeUser(id=6002, first_name="Clara")
SLOW_DOWN = "too fast"


@pytest.fixture
async def strict_app(telegram: FakeTelegram, database_url: str) -> AsyncIterator[App]:
    app, task = await start_app(bot_settings(telegram, database_url), flood=FLOOD)
    yield app
    await stop_app(app, task)


def texts_to(telegram: FakeTelegram, user: FakeUser) -> list[str]:
    return [sent.text or "" for sent in telegram.messages_to(user.id)]


class TestThrottle:
    async def test_a_flood_gets_one_slow_down_and_is_ignored_while_others_are_answered(
        self, strict_app: App, telegram: FakeTelegram
    ) -> None:
        for _ in range(10):
            telegram.push_text(FLOODER, "/help")
        assert "Here is what I can do" in ((await send(telegram, CALM, "/help")).text or "")
        telegram.push_text(FLOODER, "/help")
        await telegram.wait_idle()
        answers = texts_to(telegram, FLOODER)
        assert sum(SLOW_DOWN in text for text in answers) == 1
        assert len(answers) == FLOOD.burst + 1

    async def test_the_flooder_is_answered_again_after_the_pause(self, strict_app: App, telegram: FakeTelegram) -> None:
        for _ in range(FLOOD.burst + 1):
            telegram.push_text(FLOODER, "/help")
        await telegram.wait_for(FLOODER.id, contains=SLOW_DOWN)
        await asyncio.sleep(FLOOD.mute_seconds + 0.1)
        assert "Here is what I can do" in ((await send(telegram, FLOODER, "/help")).text or "")

    async def test_a_flooder_who_blocked_the_bot_causes_no_error(
        self, strict_app: App, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
    ) -> None:
        telegram.block_user(FLOODER.id)
        with caplog.at_level(logging.INFO):
            for _ in range(FLOOD.burst + 2):
                telegram.push_text(FLOODER, "/help")
            await telegram.wait_idle()
        assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
        assert any("throttled" in record.getMessage() for record in caplog.records)
