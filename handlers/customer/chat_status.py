"""The member's private chat with the bot: blocking the bot makes them unreachable, restarting it reachable again.

Telegram reports both as a `my_chat_member` update; registering for it is also what makes the bot hear that it was
added to a group (which `bot` answers by leaving, before any router sees it).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Texts
from models.members import registry
from models.members.registry import MemberView


async def chat_status(event: ChatMemberUpdated, member: MemberView | None, session: AsyncSession) -> None:
    if member is not None:
        blocked = event.new_chat_member.status == ChatMemberStatus.KICKED
        await registry.set_reachable(session, member.id, reachable=not blocked)


def router(texts: Texts) -> Router:
    router = Router(name="chat_status")
    router.my_chat_member.register(chat_status, F.chat.type == ChatType.PRIVATE)
    return router
