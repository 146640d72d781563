"""A fake Telegram Bot API server that a real aiogram `Bot` talks to over HTTP: it answers like Telegram and refuses
what Telegram refuses. `FakeTelegram` is the facade; each module owns one part of what Telegram does."""

from bot.sandbox.telegram.chats import FakeUser
from bot.sandbox.telegram.outbox import Sent
from bot.sandbox.telegram.server import FakeTelegram

__all__ = ["FakeTelegram", "FakeUser", "Sent"]
