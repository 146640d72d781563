"""/settings over the fake Bot API: language, promotional messages, interests and the once-a-year birthday."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from models.core.uow import transaction
from models.members.preferences import MemberInterest
from models.members.registry import Member
from tests.journeys import answer_to, join, press, send, tap

ANNA = FakeUser(id=5101, first_name="Anna", language_code="en")


async def member_row(app: App) -> Member:
    async with transaction(app.sessionmaker) as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == ANNA.id))
        assert member is not None
        return member


async def open_settings(telegram: FakeTelegram, how: str = "/settings") -> Sent:
    return await send(telegram, ANNA, how, expect="Settings")


class TestSettingsScreen:
    async def test_settings_show_the_current_choices(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=True)
        text = (await open_settings(telegram)).text or ""
        assert "Language: English" in text
        assert "Promotional messages: on" in text
        assert "Birthday: not set" in text
        assert "Interests: none chosen" in text

    async def test_the_menu_button_opens_settings(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=False)
        assert "Language" in ((await open_settings(telegram, "⚙️ Settings")).text or "")

    async def test_switching_to_russian_changes_the_screen_and_the_menu(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=False)
        screen = await open_settings(telegram)
        await tap(telegram, ANNA, screen, "Русский", expect="Язык изменён")
        assert (await member_row(app)).language == "ru"
        menu = telegram.messages_to(ANNA.id)[-1]
        assert menu.button("Баланс")
        assert "Язык: Русский" in (telegram.messages_to(ANNA.id)[-2].text or "")
        assert "баллов" in ((await send(telegram, ANNA, "/balance")).text or "")

    async def test_promotional_messages_can_be_turned_off_and_on(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=True)
        screen = await open_settings(telegram)
        screen = await tap(telegram, ANNA, screen, "Stop offers", expect="Promotional messages: off")
        assert not (await member_row(app)).marketing_consent
        await tap(telegram, ANNA, screen, "Send me offers", expect="Promotional messages: on")
        assert (await member_row(app)).marketing_consent

    async def test_interests_are_chosen_from_the_programme_categories(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=False)
        screen = await tap(telegram, ANNA, await open_settings(telegram), "Interests", expect="What do you like?")
        screen = await tap(telegram, ANNA, screen, "Tea", expect="What do you like?")
        assert screen.button("✅ Tea")
        async with transaction(app.sessionmaker) as session:
            assert list(await session.scalars(select(MemberInterest.category))) == ["tea"]
        screen = await tap(telegram, ANNA, screen, "Back", expect="Interests: Tea")


class TestBirthday:
    async def test_birthday_is_typed_checked_and_confirmed(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=False)
        await tap(telegram, ANNA, await open_settings(telegram), "Birthday", expect="31.12.1990")
        assert "not a date I can read" in ((await send(telegram, ANNA, "31.02.1990")).text or "")
        assert "cannot be a birthday" in ((await send(telegram, ANNA, "01.01.2999")).text or "")
        confirm = await send(telegram, ANNA, "17.05.1990", expect="17 May 1990")
        await tap(telegram, ANNA, confirm, "Yes, save", expect="Birthday: 17 May 1990")
        assert (await member_row(app)).birthday == date(1990, 5, 17)

    async def test_cancelling_keeps_no_birthday(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=False)
        await tap(telegram, ANNA, await open_settings(telegram), "Birthday", expect="31.12.1990")
        confirm = await send(telegram, ANNA, "1990-05-17", expect="17 May 1990")
        await tap(telegram, ANNA, confirm, "Cancel", expect="Birthday: not set")
        assert (await member_row(app)).birthday is None

    async def test_a_second_change_within_a_year_is_refused(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=False)
        await tap(telegram, ANNA, await open_settings(telegram), "Birthday", expect="31.12.1990")
        confirm = await send(telegram, ANNA, "17.05.1990", expect="17 May 1990")
        screen = await tap(telegram, ANNA, confirm, "Yes, save", expect="Birthday: 17 May 1990")
        update_id = await press(telegram, ANNA, screen, "Birthday")
        assert "less than a year ago" in await answer_to(telegram, update_id)

    async def test_menu_buttons_still_work_while_a_birthday_is_awaited(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=False)
        await tap(telegram, ANNA, await open_settings(telegram), "Birthday", expect="31.12.1990")
        assert "100 points" in ((await send(telegram, ANNA, "⭐ Balance")).text or "")
        assert "17 May 1990" in ((await send(telegram, ANNA, "17.05.1990")).text or "")
