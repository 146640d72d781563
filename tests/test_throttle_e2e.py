"""Flood control over the fake Bot API: a flooding user gets one "slow down" and is ignored; others are not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from bot.throttle import HUMAN_PACE, TILL_PACE, FloodLimit
from models.members.numbers import shown
from models.points.purchases import Purchase
from tests.journeys import eventually, join, send
from tests.support.app import OWNER, bot_settings, start_app, stop_app

FLOOD = FloodLimit(burst=3, per_second=0.5, mute_seconds=2)
FLOODER = FakeUser(id=6001, first_name="Fedor")
CALM = FakeUser(id=6002, first_name="Clara")
CASHIER = FakeUser(id=6003, first_name="Cass")
CUSTOMER = FakeUser(id=6004, first_name="Cora")
SLOW_DOWN = "too fast"
NOT_RECORDED = "Not recorded"


@pytest.fixture
async def strict_app(telegram: FakeTelegram, database_url: str) -> AsyncIterator[App]:
    app, task = await start_app(bot_settings(telegram, database_url), flood=FLOOD)
    yield app
    await stop_app(app, task)


@pytest.fixture
async def shop_app(telegram: FakeTelegram, database_url: str) -> AsyncIterator[App]:
    """The bot at the pace it runs in production."""
    app, task = await start_app(bot_settings(telegram, database_url), flood=HUMAN_PACE)
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

        async def throttled() -> bool | None:
            return any("throttled" in record.getMessage() for record in caplog.records) or None

        with caplog.at_level(logging.INFO):
            for _ in range(FLOOD.burst + 2):
                telegram.push_text(FLOODER, "/help")
            await eventually(throttled, "the flood was never throttled")  # a busy machine may take a while
            await telegram.wait_idle()
        assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []


class TestStaffPace:
    async def test_a_cashier_recording_a_burst_of_sales_loses_none(self, shop_app: App, telegram: FakeTelegram) -> None:
        member = await join(telegram, CUSTOMER, marketing=False)
        await send(telegram, OWNER, f"/staff add {CASHIER.id} cashier", expect=str(CASHIER.id))
        # 30 at once: far past a customer's burst of 8, and more updates in flight than the database pool's
        # connections at rest, each waiting on the sales desk.
        for receipt in range(30):
            telegram.push_text(CASHIER, f"/sale {shown(member)} 100 #{receipt + 1}")

        async def all_recorded() -> int | None:
            async with shop_app.sessionmaker() as session:
                sales = int(await session.scalar(select(func.count()).select_from(Purchase)) or 0)
            return sales if sales == 30 else None

        await eventually(all_recorded, "some of the 30 sales were never recorded")
        await telegram.wait_idle()
        assert not [text for text in texts_to(telegram, CASHIER) if NOT_RECORDED in text]

    async def test_every_staff_message_over_the_till_pace_is_answered_as_not_recorded(
        self, shop_app: App, telegram: FakeTelegram
    ) -> None:
        await send(telegram, OWNER, f"/staff add {CASHIER.id} cashier", expect=str(CASHIER.id))
        await telegram.wait_idle()  # the new cashier's welcome
        before = len(texts_to(telegram, CASHIER))
        pushed = TILL_PACE.burst + 40
        for _ in range(pushed):
            telegram.push_text(CASHIER, "/help")

        async def answered() -> list[str] | None:
            found = texts_to(telegram, CASHIER)[before:]
            return found if len(found) >= pushed else None

        await eventually(answered, "some staff messages were never answered")
        await telegram.wait_idle()
        answers = texts_to(telegram, CASHIER)[before:]
        refused = [text for text in answers if NOT_RECORDED in text]
        assert len(answers) == pushed  # one answer to each: done, or not recorded with when to try again
        assert refused
        assert all("Send it again in" in text for text in refused)
