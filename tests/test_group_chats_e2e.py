"""Private chats only, over the fake Bot API: in a group the bot reveals nothing, records nothing, says once where
it works, and leaves."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core.updates import HandledUpdate
from models.members.registry import Member
from tests.journeys import eventually, join, send
from tests.support.app import OWNER

ZINA = FakeUser(id=7201, first_name="Zinaida", last_name="Kuznetsova", username="zina_private", language_code="en")
STRANGER = FakeUser(id=7202, first_name="Stan")
GROUP = -1001234567890
PHONE = "+7 916 555-43-21"
PERSONAL = ("Zinaida", "Kuznetsova", "zina_private", "9165554321", "555-43-21", str(ZINA.id))
LINK = "t.me/loyalty_test_bot"


def said_in_group(telegram: FakeTelegram) -> list[str]:
    return [sent.text or "" for sent in telegram.messages_to(GROUP)]


async def recorded(app: App) -> tuple[int, int]:
    """Members and handled updates in the database."""
    async with app.sessionmaker() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
        handled = await session.scalar(select(func.count()).select_from(HandledUpdate))
    return int(members or 0), int(handled or 0)


class TestGroupChats:
    async def test_mydata_typed_in_a_group_reveals_nothing(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ZINA, marketing=False, phone=PHONE)
        private_before = len(telegram.messages_to(ZINA.id))
        before = await recorded(app)
        telegram.push_text(ZINA, "/mydata", chat_id=GROUP)
        await telegram.wait_idle()
        [answer] = said_in_group(telegram)
        assert LINK in answer
        assert not [value for value in PERSONAL if value in answer]
        assert len(telegram.messages_to(ZINA.id)) == private_before
        assert await recorded(app) == before

    async def test_member_typed_by_an_owner_in_a_group_reveals_nothing(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ZINA, marketing=False, phone=PHONE)
        number = (await send(telegram, OWNER, f"/member {PHONE}", expect="Phone")).text or ""
        assert "+79165554321" in number  # in the private chat, the owner sees the member
        telegram.push_text(OWNER, f"/member {PHONE}", chat_id=GROUP)
        await telegram.wait_idle()
        answers = said_in_group(telegram)
        assert len(answers) == 1
        assert not [value for value in PERSONAL if value in answers[0]]

    async def test_a_stranger_writing_in_a_group_is_not_enrolled(self, app: App, telegram: FakeTelegram) -> None:
        telegram.push_text(STRANGER, "/start", chat_id=GROUP)
        telegram.push_text(STRANGER, "hello", chat_id=GROUP)
        await telegram.wait_idle()
        assert await recorded(app) == (0, 0)
        assert telegram.messages_to(STRANGER.id) == []

    async def test_the_bot_leaves_a_group_it_is_added_to(self, app: App, telegram: FakeTelegram) -> None:
        telegram.push_chat_member(STRANGER, "left", "member", chat_id=GROUP)

        async def left() -> list[int] | None:
            return telegram.left_chats or None

        assert await eventually(left, "the bot never left the group") == [GROUP]
        await telegram.wait_idle()
        [answer] = said_in_group(telegram)
        assert LINK in answer
        # Telegram then reports the bot's own leaving: nothing more is said or done.
        telegram.push_chat_member(STRANGER, "member", "left", chat_id=GROUP)
        await telegram.wait_idle()
        assert telegram.left_chats == [GROUP]
        assert len(said_in_group(telegram)) == 1

    async def test_a_second_message_in_the_same_group_gets_no_answer(self, app: App, telegram: FakeTelegram) -> None:
        telegram.push_text(STRANGER, "/help", chat_id=GROUP)
        await telegram.wait_idle()
        telegram.push_text(STRANGER, "/help", chat_id=GROUP)
        telegram.push_text(OWNER, "/stats", chat_id=GROUP)
        await telegram.wait_idle()
        assert len(said_in_group(telegram)) == 1
