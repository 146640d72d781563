"""Outer middlewares, in the order they run: flood throttle, one database session, who is asking."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n import Texts
from models.members import registry
from models.till import staff

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
log = logging.getLogger(__name__)


@dataclass
class _Bucket:
    tokens: float
    updated: float
    muted_until: float = 0.0


@dataclass(frozen=True)
class FloodLimit:
    """How many updates a user may send at once (`burst`) and then per second, and how long a flood is ignored."""

    burst: int = 8
    per_second: float = 2.0
    mute_seconds: float = 10.0


HUMAN_PACE = FloodLimit()


class ThrottleMiddleware(BaseMiddleware):
    """A token bucket per user: a flood earns one "slow down" and is then ignored for a while."""

    def __init__(self, texts: Texts, limit: FloodLimit) -> None:
        self.texts = texts
        self.burst = limit.burst
        self.per_second = limit.per_second
        self.mute_seconds = limit.mute_seconds
        self._buckets: dict[int, _Bucket] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        now = time.monotonic()
        bucket = self._buckets.get(user.id)
        if bucket is None:
            if len(self._buckets) > 100_000:
                self._forget_idle(now)
            bucket = self._buckets[user.id] = _Bucket(self.burst, now)
        if now < bucket.muted_until:
            return None
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens < 1:
            bucket.muted_until = now + self.mute_seconds
            log.info("throttled user %s for %ss", user.id, self.mute_seconds)
            bot: Bot = data["bot"]
            translator = self.texts[registry.pick_language(user.language_code)]
            try:
                await bot.send_message(user.id, translator("slow-down", seconds=int(self.mute_seconds)))
            except TelegramAPIError as exc:  # blocked, or Telegram busy: the flood is ignored all the same
                log.info("could not tell user %s to slow down: %s", user.id, type(exc).__name__)
            return None
        bucket.tokens -= 1
        return await handler(event, data)

    def _forget_idle(self, now: float) -> None:
        idle = [uid for uid, b in self._buckets.items() if now - b.updated > 60 and now >= b.muted_until]
        for uid in idle:
            del self._buckets[uid]


class DatabaseMiddleware(BaseMiddleware):
    """One session per update; whatever a handler did not commit is rolled back when the update ends."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            data["session"] = session
            return await handler(event, data)


class ContextMiddleware(BaseMiddleware):
    """Puts the asking member, their staff role and their language's translator into handler data."""

    def __init__(self, texts: Texts, owners: frozenset[int]) -> None:
        self.texts = texts
        self.owners = owners

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        member = role = None
        if user is not None:
            session: AsyncSession = data["session"]
            member = await registry.by_telegram_id(session, user.id)
            role = await staff.role_of(session, user.id, self.owners)
            # End the read now: on SQLite every transaction holds the write lock, and handlers talk to Telegram.
            await session.rollback()
        language = member.language if member else registry.pick_language(user.language_code if user else None)
        data["member"] = member
        data["role"] = role
        data["t"] = self.texts[language]
        return await handler(event, data)
