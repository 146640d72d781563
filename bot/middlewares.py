"""Outer middlewares, in the order they run: flood throttle, one unit of work per update, who is asking; and the
request middleware that commits an update's effects before anything is said about them."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n import Texts
from models.core.base import utcnow
from models.core.errors import DomainError
from models.core.updates import UpdateWork
from models.members import registry
from models.points import standing
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


_current_work: ContextVar[UpdateWork | None] = ContextVar("update_work", default=None)


class UnitOfWorkMiddleware(BaseMiddleware):
    """One unit of work per update: a copy of an update already handled is ignored; otherwise the update's effects
    and its record commit together, before the first message is sent (see `SettleBeforeSending`) or when the
    handler returns, and are rolled back if it raises. Work derived from the effects follows, then the outbox is
    woken for the messages they left."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], wake_outbox: Callable[[], None]) -> None:
        self.sessionmaker = sessionmaker
        self.wake_outbox = wake_outbox

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        try:
            async with UpdateWork(self.sessionmaker, event.update_id) as work:
                if await work.handled_before():
                    log.info("update %s was handled before; ignored", event.update_id)
                    return UNHANDLED
                result = await self._handle(work, handler, event, data)
            await work.run_follow_ups()
            return result
        finally:
            self.wake_outbox()

    async def _handle(self, work: UpdateWork, handler: Handler, event: Update, data: dict[str, Any]) -> Any:
        data["work"] = work
        data["session"] = work.session
        token = _current_work.set(work)
        try:
            result = await handler(event, data)
            await work.settle()
            return result
        except DomainError as refusal:
            if refusal.trail is not None and not work.settled:
                await work.rollback()
                await refusal.trail(work.session)
                await work.settle()
            raise
        except IntegrityError:
            if not await _recorded_elsewhere(self.sessionmaker, event.update_id):
                raise
            log.info("update %s was handled by another worker meanwhile; ignored", event.update_id)
            return UNHANDLED
        finally:
            _current_work.reset(token)


async def _recorded_elsewhere(sessionmaker: async_sessionmaker[AsyncSession], update_id: int) -> bool:
    async with UpdateWork(sessionmaker, update_id) as work:
        return await work.handled_before()


class SettleBeforeSending(BaseRequestMiddleware):
    """Nothing is said about an update's effects before they are committed: a call to Telegram made while handling
    an update that has written something settles its unit of work first. An update that only reads is recorded
    after its answer, so that an answer lost on the way is given again when Telegram sends the update again."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        work = _current_work.get()
        if work is not None and work.wrote:
            await work.settle()
        return await make_request(bot, method)


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
            member = await standing.member_view(session, user.id, utcnow())
            role = await staff.role_of(session, user.id, self.owners)
        language = member.language if member else registry.pick_language(user.language_code if user else None)
        data["member"] = member
        data["role"] = role
        data["t"] = self.texts[language]
        return await handler(event, data)
