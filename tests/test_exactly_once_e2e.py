"""Exactly once per update: an update's effects commit with the record that it was handled, so an update whose
answer was lost after the commit and that Telegram hands out again changes nothing and sends nothing new; and a
notice about a committed effect reaches its member even when the bot dies before sending it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from models.campaigns.records import Campaign
from models.core.outbox import OutboxMessage
from models.core.updates import HandledUpdate
from models.members.numbers import shown
from models.offers.coupons import Coupon
from models.points.purchases import Purchase
from tests.journeys import eventually, join, send
from tests.support.app import OWNER, bot_settings, sample_without_automations, start_app, stop_app
from tests.support.audiences import programme_file
from tests.support.paths import SAMPLE_PROGRAMME

ANNA = FakeUser(id=5301, first_name="Anna", language_code="en")
BORIS = FakeUser(id=5302, first_name="Boris", language_code="en")
Table = type[Campaign] | type[Coupon] | type[Purchase] | type[HandledUpdate] | type[OutboxMessage]


async def rows(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


def handled(engine: AsyncEngine, update_id: int) -> Callable[[], Awaitable[bool | None]]:
    async def look() -> bool | None:
        async with engine.connect() as connection:
            found = await connection.scalar(select(HandledUpdate.update_id).where(HandledUpdate.update_id == update_id))
        return True if found is not None else None

    return look


def tried_to_answer(telegram: FakeTelegram, user: FakeUser, since: int) -> Callable[[], Awaitable[bool | None]]:
    """Whether the bot has made a call about `user`'s chat since the `since`-th call (one that failed counts too)."""

    async def look() -> bool | None:
        return True if any(params.get("chat_id") == user.id for _, params in telegram.calls[since:]) else None

    return look


def texts_to(telegram: FakeTelegram, user: FakeUser, after: int, contains: str) -> list[str]:
    texts = [sent.text or "" for sent in telegram.sent[after:] if sent.chat_id == user.id]
    return [text for text in texts if contains in text]


async def lose_the_answer_then_hand_out_again(
    app: App, telegram: FakeTelegram, user: FakeUser, push: Callable[[], int]
) -> None:
    """Every answer to `user` fails (as a 502 would) while the update is handled; once it is recorded as handled,
    Telegram hands it out again, and the bot's next answer to the same user shows it got past the copy."""
    telegram.fail_chat(user.id)
    since = len(telegram.calls)
    update = push()
    await eventually(handled(app.engine, update), f"update {update} was never recorded as handled")
    # The answer goes out after the commit: the chat heals only once the answer has been tried, and lost
    await eventually(tried_to_answer(telegram, user, since), f"the bot never tried to answer {user.id}")
    telegram.heal_chat(user.id)
    telegram.replay(update)
    await send(telegram, user, "/help", expect="Here is what I can do")


class TestAnAnswerLostAfterTheCommit:
    async def test_a_sale_is_recorded_once_and_announced_once(self, app: App, telegram: FakeTelegram) -> None:
        member = await join(telegram, ANNA)
        mark = len(telegram.sent)
        await lose_the_answer_then_hand_out_again(
            app, telegram, OWNER, lambda: telegram.push_text(OWNER, f"/sale {shown(member)} 450 #R-77")
        )
        await telegram.wait_for(ANNA.id, contains="#R-77", after=mark)
        await telegram.wait_idle()
        assert await rows(app.engine, Purchase) == 1
        assert len(texts_to(telegram, ANNA, mark, "#R-77")) == 1
        assert texts_to(telegram, OWNER, mark, "recorded") == []  # the one answer was lost; the copy said nothing

    async def test_a_campaign_is_created_once_and_each_member_gets_it_once(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        app, polling = await start_app(bot_settings(telegram, database_url, programme_file=programme_file(tmp_path)))
        try:
            await self._campaign_once(app, telegram)
        finally:
            await stop_app(app, polling)

    async def _campaign_once(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=True)
        await join(telegram, BORIS, marketing=True)
        mark = len(telegram.sent)
        await lose_the_answer_then_hand_out_again(
            app, telegram, OWNER, lambda: telegram.push_text(OWNER, "/campaign all now holdout=0 | Hello, once")
        )
        await telegram.wait_for(BORIS.id, contains="Hello, once", after=mark)
        await telegram.wait_for(ANNA.id, contains="Hello, once", after=mark)
        await telegram.wait_idle()
        assert await rows(app.engine, Campaign) == 1
        assert len(texts_to(telegram, ANNA, mark, "Hello, once")) == 1
        assert len(texts_to(telegram, BORIS, mark, "Hello, once")) == 1

    async def test_a_coupon_is_issued_once(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        offers: Sent = await send(telegram, ANNA, "/offers")
        label = next(button["text"] for button in offers.buttons() if button["text"].startswith("Activate"))
        await lose_the_answer_then_hand_out_again(
            app, telegram, ANNA, lambda: telegram.push_callback(ANNA, offers, offers.button(label)["callback_data"])
        )
        assert await rows(app.engine, Coupon) == 1


def bot_process(telegram: FakeTelegram, database_url: str, folder: Path) -> subprocess.Popen[bytes]:
    """`python -m bot` as it runs in production, talking to the fake Bot API server."""
    environment = {
        **os.environ,
        "BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.url,
        "DATABASE_URL": database_url,
        "ADMIN_IDS": str(OWNER.id),
        "PROGRAMME_FILE": str(sample_without_automations()),
        "PYTHONPATH": str(SAMPLE_PROGRAMME.parent),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=folder, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def test_a_notice_lost_to_a_crash_is_sent_after_the_restart(
    telegram: FakeTelegram, database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    first = bot_process(telegram, database_url, tmp_path)
    try:
        telegram.push_text(OWNER, "/help")
        await telegram.wait_for(OWNER.id, contains="Here is what I can do", timeout=60)  # the process is up
        member = await join(telegram, ANNA)
        mark = len(telegram.sent)
        telegram.hold_chat(ANNA.id)  # the notice cannot go out before the kill
        telegram.hold_chat(OWNER.id)  # nor the cashier's answer, after which the outbox is woken
        telegram.push_text(OWNER, f"/sale {shown(member)} 450 #CRASH-1")

        async def committed() -> bool | None:
            return True if await rows(engine, Purchase) == 1 and await rows(engine, OutboxMessage) == 1 else None

        await eventually(committed, "the sale and its notice were never committed")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    for user in (OWNER, ANNA):  # what the dead process had asked stays unanswered, as a closed connection would
        telegram.fail_chat(user.id)
        telegram.release_chat(user.id)
        telegram.heal_chat(user.id)
    assert texts_to(telegram, ANNA, mark, "#CRASH-1") == [], "the notice went out before the kill; nothing was tested"
    second = bot_process(telegram, database_url, tmp_path)
    try:
        await telegram.wait_for(ANNA.id, contains="#CRASH-1", after=mark, timeout=90)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)
    assert len(texts_to(telegram, ANNA, mark, "#CRASH-1")) == 1
    assert await rows(engine, Purchase) == 1
