"""A fake Telegram Bot API server that a real aiogram `Bot` talks to over HTTP, answering and refusing like Telegram."""

from bot.sandbox.telegram.server import FakeTelegram, FakeUser, Sent

__all__ = ["FakeTelegram", "FakeUser", "Sent"]
