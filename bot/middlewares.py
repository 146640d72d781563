"""Outer middlewares, in the order they run: the programme in force, private chats only, flood throttle
(`bot.throttle`: a customer's pace or a till's), one unit of work per update, who is asking; and the request
middleware that commits an update's effects before anything is said about them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
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

from bot.throttle import Handler
from handlers.i18n import Texts
from models.core.base import utcnow
from models.core.errors import DomainError
from models.core.programme_versions import ProgrammeHolder
from models.core.updates import UpdateWork
from models.members import registry
from models.points import standing
from models.team import staff

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
