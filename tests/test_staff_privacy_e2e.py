"""What staff and logs get to see of a member, over the fake Bot API: masked phones for all but owners, a clear
answer about members who left, and logs with member numbers only, never names, phones or what people typed."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from handlers.errors import trace
from models.members.numbers import shown
from tests.journeys import join, send, tap
from tests.support.app import OWNER

ZINA = FakeUser(id=7101, first_name="Zinaida", last_name="Kuznetsova", username="zina_private", language_code="en")
CASHIER = FakeUser(id=7102, first_name="Cass")
PHONE = "+7 916 555-43-21"
MASKED = "+7 *** ***-43-21"
SECRET_TEXT = "my very private message"
BIRTHDAY = "17.05.1991"
PERSONAL = ("Zinaida", "Kuznetsova", "zina_private", "9165554321", "916 555", "555-43-21", SECRET_TEXT, BIRTHDAY)


async def appoint_cashier(telegram: FakeTelegram) -> None:
    await send(telegram, OWNER, f"/staff add {CASHIER.id} cashier", expect=str(CASHIER.id))


class TestStaffSeeLess:
    async def test_cashiers_see_the_phone_masked_and_owners_in_full(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ZINA, marketing=False, phone=PHONE)
        await appoint_cashier(telegram)
        cashier_view = (await send(telegram, CASHIER, f"/member {PHONE}", expect="Phone")).text or ""
        assert MASKED in cashier_view
        assert "555-43-21" not in cashier_view.replace(MASKED, "")
        owner_view = (await send(telegram, OWNER, f"/member {PHONE}", expect="Phone")).text or ""
        assert "+79165554321" in owner_view

    async def test_staff_are_told_a_member_who_left_is_gone(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ZINA, marketing=False, phone=PHONE)
        question = await send(telegram, ZINA, "/forget", expect="Delete your personal data?")
        await tap(telegram, ZINA, question, "Yes, delete", expect="join as a new member")
        gone = await send(telegram, OWNER, f"/member {shown(number)}")
        assert "deleted their data" in (gone.text or "")
        by_phone = await send(telegram, OWNER, f"/member {PHONE}")
        assert "No member found" in (by_phone.text or "")


class TestLogs:
    async def test_a_full_journey_logs_no_names_phones_or_texts(
        self, app: App, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO)  # what `python -m bot` writes
        number = await join(telegram, ZINA, marketing=False, phone=PHONE)
        await appoint_cashier(telegram)
        await send(telegram, ZINA, SECRET_TEXT)
        await send(telegram, ZINA, "/card")
        settings = await send(telegram, ZINA, "/settings", expect="Settings")
        ask = await tap(telegram, ZINA, settings, "Birthday", expect="31.12.1990")
        assert ask.text
        confirm = await send(telegram, ZINA, BIRTHDAY, expect="1991")
        await tap(telegram, ZINA, confirm, "Yes, save", expect="Birthday")
        await send(telegram, OWNER, f"/sale {PHONE.replace(' ', '')} 500", expect=f"member №{shown(number)}")
        await send(telegram, CASHIER, f"/member {PHONE}", expect="Phone")
        await send(telegram, ZINA, "/history")
        await send(telegram, ZINA, "/mydata")
        question = await send(telegram, ZINA, "/forget", expect="Delete your personal data?")
        await tap(telegram, ZINA, question, "Yes, delete", expect="join as a new member")
        await telegram.wait_idle()

        formatter = logging.Formatter("%(name)s %(message)s")
        lines = [formatter.format(record) for record in caplog.records]
        assert any(str(number) in line for line in lines), "the journey should leave some trace in the logs"
        leaks = [(value, line) for line in lines for value in PERSONAL if value.casefold() in line.casefold()]
        assert leaks == []

    def test_an_error_is_logged_by_type_and_place_without_its_message(self) -> None:
        def fails() -> None:
            raise ValueError(f"cannot use {SECRET_TEXT!r} from {ZINA.first_name}")

        with pytest.raises(ValueError, match="cannot use") as failed:
            fails()
        logged = trace(failed.value)
        assert logged.startswith("ValueError")
        assert "in fails" in logged
        assert SECRET_TEXT not in logged
        assert "Zinaida" not in logged
