"""Steps a person takes in Telegram, written once so that end-to-end tests read like the specification."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from models.members import numbers

T = TypeVar("T")

LABELS = {
    "en": {"agree": "I agree", "yes": "Yes", "no": "No", "skip": "Skip"},
    "ru": {"agree": "Согласен", "yes": "Да", "no": "Нет", "skip": "Пропустить"},
}


async def eventually(look: Callable[[], Awaitable[T | None]], never: str) -> T:
    """What `look` finds, once it finds something: for what the bot does just after answering (or a busy database
    delays). Fails with `never` after about five seconds."""
    for _ in range(100):
        if (found := await look()) is not None:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(never)


async def send(telegram: FakeTelegram, user: FakeUser, text: str, *, expect: str | None = None) -> Sent:
    """Type a message and wait for the bot's next answer (optionally one containing `expect`)."""
    mark = len(telegram.sent)
    telegram.push_text(user, text)
    return await telegram.wait_for(user.id, contains=expect, after=mark)


async def press(telegram: FakeTelegram, user: FakeUser, message: Sent, button: str) -> int:
    """Tap the inline button whose label contains `button`, as the user; returns the update's id."""
    data = message.button(button)["callback_data"]
    return telegram.push_callback(user, message, data)


async def answer_to(telegram: FakeTelegram, update_id: int) -> str:
    """The alert text the bot gave to a button press, waiting for it (a busy database may take a while)."""

    async def answer() -> str | None:
        found = telegram.callback_answer(update_id)
        return None if found is None else str(found.get("text"))

    return await eventually(answer, f"the press in update {update_id} was never answered")


async def tap(telegram: FakeTelegram, user: FakeUser, message: Sent, button: str, *, expect: str | None = None) -> Sent:
    """Press a button and wait for what the bot shows next (an edit or a new message), containing `expect` if given."""
    mark = len(telegram.sent)
    await press(telegram, user, message, button)
    return await telegram.wait_for(user.id, contains=expect, after=mark)


async def join(
    telegram: FakeTelegram,
    user: FakeUser,
    *,
    payload: str = "",
    marketing: bool = True,
    phone: str | None = None,
) -> int:
    """Go through enrolment the way a customer does; returns the member id behind the number the bot announced
    (staff type it as `shown(id)`)."""
    labels = LABELS["ru" if user.language_code == "ru" else "en"]
    consent = await send(telegram, user, f"/start {payload}".strip())
    mark = len(telegram.sent)
    await press(telegram, user, consent, labels["agree"])
    question = await telegram.wait_for(user.id, after=mark, method="sendMessage")
    welcome = next(s for s in reversed(telegram.messages_to(user.id)) if s.message_id == consent.message_id)
    assert welcome.text is not None
    found = re.search(r"(?:member number is|номер участника —) (\d+-\d)", welcome.text)
    assert found, welcome.text
    number = numbers.read(found.group(1))
    mark = len(telegram.sent)
    await press(telegram, user, question, labels["yes" if marketing else "no"])
    phone_question = await telegram.wait_for(user.id, after=mark, method="sendMessage")
    mark = len(telegram.sent)
    if phone is None:
        telegram.push_text(user, labels["skip"])
    else:
        telegram.push_contact(user, phone, user.id)
    await telegram.wait_for(user.id, after=mark)
    assert phone_question.reply_markup is not None
    return number
