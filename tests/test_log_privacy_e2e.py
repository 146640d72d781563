"""Logs carry no phone numbers, names or typed text, even when the answer to a refusal cannot be sent and aiogram
logs the whole exception chain (the refusal included)."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.members.numbers import shown
from tests.journeys import join, send
from tests.support.app import OWNER

MILA = FakeUser(id=5301, first_name="Ludmila", last_name="Sokolova", username="mila_private", language_code="en")
UNKNOWN_PHONE = "+79990001122"
TYPED = "pistachio-latte"  # what a cashier typed where a category or an amount belongs
PERSONAL = ("Ludmila", "Sokolova", "mila_private", "9990001122", "999 000", TYPED)


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record as a handler would write it: the message and, when there is one, the exception chain."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in caplog.records]


def leaks(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(value, line) for line in logged(caplog) for value in PERSONAL if value.casefold() in line.casefold()]


class TestRefusalsWhoseAnswerFails:
    @pytest.mark.parametrize("status", [429, 500, 502])
    async def test_a_failed_answer_to_a_refusal_logs_no_personal_values(
        self, app: App, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture, status: int
    ) -> None:
        number = await join(telegram, MILA)
        caplog.set_level(logging.DEBUG)
        refused = (
            f"/sale {UNKNOWN_PHONE} 500",  # UnknownMember: the phone
            f"/sale {shown(number)} 100 {TYPED}",  # UnknownCategory: the typed word
            f"/sale {shown(number)} {TYPED}",  # BadAmount: the typed amount
            f"/member {MILA.first_name}",  # UnknownMember: a name typed as the member
        )
        for text in refused:
            telegram.fail_next("sendMessage", status=status)  # the answer to the refusal
            telegram.push_text(OWNER, text)
            await telegram.wait_idle()
        assert any("Traceback" in line for line in logged(caplog)), "the failed answers should be logged"
        assert leaks(caplog) == []
        answer = await send(telegram, OWNER, f"/sale {UNKNOWN_PHONE} 500")  # the refusal itself still names it
        assert UNKNOWN_PHONE in (answer.text or "")
