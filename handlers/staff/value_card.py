"""/member <member>: the member's value card and the till's buttons, found by number, phone or card code."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import HasRole
from handlers.i18n import Texts, Translator
from handlers.member_panel import show_member_panel
from handlers.staff.till import actor_of
from models.core.programme import Programme
from models.members.cards import CardSigner
from models.team.staff import Role


async def member_command(
    message: Message,
    command: CommandObject,
    role: Role,
    t: Translator,
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
) -> None:
    member = (command.args or "").strip()
    if not member:
        await message.answer(t("member-usage"))
        return
    await show_member_panel(message, t, session, programme, cards, actor_of(message, role), member)


def router(texts: Texts) -> Router:
    router = Router(name="member")
    router.message.filter(HasRole(Role.CASHIER))
    router.message.register(member_command, Command("member"))
    return router
