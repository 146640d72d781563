"""Outer middlewares, in the order they run: the programme in force, private chats only, flood throttle (a
customer's pace or a till's), one unit of work per update, who is asking; and the request middleware that commits an
update's effects before anything is said about them."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.utils.link import create_telegram_link
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n import Texts
from models.core.base import utcnow
from models.core.errors import DomainError
from models.core.programme_versions import ProgrammeHolder
from models.core.updates import UpdateWork
from models.members import registry
from models.points import standing
from models.team import staff

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
log = logging.getLogger(__name__)


class CurrentProgramme(BaseMiddleware):
    """Each update is handled under the programme version in force when it arrives, however long it takes."""

    def __init__(self, programmes: ProgrammeHolder) -> None:
        self.programmes = programmes

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["programme"] = self.programmes.programme
        return await handler(event, data)


class PrivateChatsOnly(BaseMiddleware):
    """The bot works in private chats only: in a group, supergroup or channel it reveals nothing and records nothing.

    Nothing from such a chat reaches the database or a handler. The first update from a group (being added, or a
    message) gets one answer there, without personal data, pointing to the private chat, and the bot leaves; a
    channel is left without a word. Chats already answered are remembered (a bounded set), so a group that keeps
    writing before the bot is out hears nothing more.
    """

    REMEMBERED = 100_000

    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self._answered: dict[int, None] = {}  # insertion-ordered: the oldest is forgotten first

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        assert isinstance(event, Update)
        if _leaving(event) or chat.id in self._answered:
            return UNHANDLED
        self._answered[chat.id] = None
        if len(self._answered) > self.REMEMBERED:
            del self._answered[next(iter(self._answered))]
        bot: Bot = data["bot"]
        user: User | None = data.get("event_from_user")
        try:
            if chat.type != ChatType.CHANNEL:
                link = create_telegram_link((await bot.me()).username or "")
                t = self.texts[registry.pick_language(user.language_code if user else None)]
                await bot.send_message(chat.id, t("private-only", link=link))
            await bot.leave_chat(chat.id)
        except TelegramAPIError as exc:  # muted in the group, or removed meanwhile: staying silent is the point
            log.info("could not answer or leave chat %s: %s", chat.id, type(exc).__name__)
        return UNHANDLED


def _leaving(update: Update) -> bool:
    """Whether the update says the bot is already out of the chat (its own leaving, or being removed)."""
    change = update.my_chat_member
    return change is not None and change.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED)


@dataclass(frozen=True)
class FloodLimit:
    """How many updates a user may send at once (`burst`) and then per second, how long a flood is then ignored
    (0: not at all, only what exceeds the pace), and how often a dropped message is answered (0: every one)."""

    burst: int = 8
    per_second: float = 2.0
    mute_seconds: float = 10.0
    notice_every: float = 3.0


HUMAN_PACE = FloodLimit()
# A cashier at a busy till: 30 sales at once and 20 a second after that, never muted, every drop answered.
TILL_PACE = FloodLimit(burst=60, per_second=20.0, mute_seconds=0.0, notice_every=0.0)
ROLE_TTL = 60.0  # seconds a user's staff status is trusted before it is looked up again

IsStaff = Callable[[int], Awaitable[bool]]


@dataclass
class _Bucket:
    tokens: float
    updated: float
    muted_until: float = 0.0
    noticed_at: float = float("-inf")
    staff: bool = False
    role_checked_at: float = float("-inf")
    lookup: asyncio.Future[bool] | None = None


class ThrottleMiddleware(BaseMiddleware):
    """A token bucket per user, at a customer's pace or, for staff, a till's. No message is dropped without an
    answer saying it was not taken and when to send it again; staff hear it for every message, customers at most
    once every `notice_every` seconds, so a flood cannot make the bot flood back.

    It runs before the unit of work, so a flood costs no database write; the role is looked up (read-only, cached
    for ROLE_TTL) only when a user's bucket runs dry.
    """

    def __init__(self, texts: Texts, limit: FloodLimit, is_staff: IsStaff, staff_limit: FloodLimit = TILL_PACE) -> None:
        self.texts = texts
        self.limit = limit
        # Staff never get less room than customers (tests run customers unlimited).
        self.staff_limit = FloodLimit(
            burst=max(staff_limit.burst, limit.burst),
            per_second=max(staff_limit.per_second, limit.per_second),
            mute_seconds=staff_limit.mute_seconds,
            notice_every=staff_limit.notice_every,
        )
        self.is_staff = is_staff
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
            bucket = self._buckets[user.id] = _Bucket(self.limit.burst, now)
        limit = self.staff_limit if bucket.staff else self.limit
        bucket.tokens = min(limit.burst, bucket.tokens + (now - bucket.updated) * limit.per_second)
        bucket.updated = now
        if (
            bucket.tokens < 1
            and now >= bucket.muted_until
            and (bucket.lookup is not None or now - bucket.role_checked_at > ROLE_TTL)
        ):
            limit = await self._learn_role(bucket, user.id, now)
        if now >= bucket.muted_until and bucket.tokens >= 1:
            bucket.tokens -= 1
            return await handler(event, data)
        if now >= bucket.muted_until and limit.mute_seconds:
            bucket.muted_until = now + limit.mute_seconds
            log.info("throttled user %s for %ss", user.id, limit.mute_seconds)
        wait = bucket.muted_until - now if now < bucket.muted_until else (1 - bucket.tokens) / limit.per_second
        if now - bucket.noticed_at >= limit.notice_every:
            bucket.noticed_at = now
            await self._not_taken(data["bot"], event, user, staff=bucket.staff, seconds=max(1, math.ceil(wait)))
        return None

    async def _learn_role(self, bucket: _Bucket, user_id: int, now: float) -> FloodLimit:
        """Look the user's role up once their customer-sized bucket runs dry (one lookup however many messages are
        waiting for it); staff move to the till's pace."""
        if bucket.lookup is None:
            bucket.role_checked_at = now
            bucket.lookup = asyncio.ensure_future(self.is_staff(user_id))
        lookup = bucket.lookup
        try:
            staff_now = await asyncio.shield(lookup)
        finally:
            if bucket.lookup is lookup and lookup.done():
                bucket.lookup = None
        if staff_now != bucket.staff:
            bucket.staff = staff_now
            extra = self.staff_limit.burst - self.limit.burst
            bucket.tokens = bucket.tokens + extra if staff_now else min(bucket.tokens, self.limit.burst)
        return self.staff_limit if bucket.staff else self.limit

    async def _not_taken(self, bot: Bot, event: TelegramObject, user: User, *, staff: bool, seconds: int) -> None:
        """Tell the user this message was not taken and when to send it again (a pressed button: on the button)."""
        t = self.texts[registry.pick_language(user.language_code)]
        text = t("not-recorded" if staff else "slow-down", seconds=seconds)
        query = event.callback_query if isinstance(event, Update) else None
        try:
            if query is not None:
                await bot.answer_callback_query(query.id, text, show_alert=True)
            else:
                await bot.send_message(user.id, text)
        except TelegramAPIError as exc:  # blocked, or Telegram busy: the message is dropped all the same
            log.info("could not tell user %s their message was not taken: %s", user.id, type(exc).__name__)

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


def _from_the_member(event: TelegramObject) -> bool:
    """Whether the update shows the member can be messaged: anything but a change of their chat with the bot
    (blocking it, which `handlers.customer.chat_status` records)."""
    return not (isinstance(event, Update) and event.my_chat_member is not None)


class ContextMiddleware(BaseMiddleware):
    """Puts the asking member, their staff role and their language's translator into handler data; a member marked
    unreachable is marked reachable again by any update of theirs (a write only then, not per update)."""

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
            if member is not None and not member.reachable and _from_the_member(event):
                # A member marked unreachable after a 403 who writes again has unblocked the bot.
                await registry.set_reachable(session, member.id, reachable=True)
        language = member.language if member else registry.pick_language(user.language_code if user else None)
        data["member"] = member
        data["role"] = role
        data["t"] = self.texts[language]
        return await handler(event, data)
