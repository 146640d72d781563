"""/sale <member> <amount> [category] [#receipt] [x<N>] [pay=<points|max>]: record a purchase and its points."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers.filters import HasRole
from handlers.i18n import Texts
from handlers.staff.till import Till, TillMiddleware, actor_of, read_sale, said
from models.team.staff import Role


async def sale_command(message: Message, command: CommandObject, role: Role, till: Till) -> None:
    words = (command.args or "").split()
    sale = read_sale(words[1:]) if words else None
    if sale is None:
        await message.answer("\n".join([till.t("sale-usage"), till.t("sale-more-usage")]))
        return
    await till.sell(message, actor_of(message, role), words[0], sale, said(message))


def router(texts: Texts) -> Router:
    router = Router(name="sale")
    router.message.filter(HasRole(Role.CASHIER))
    router.message.middleware(TillMiddleware())
    router.message.register(sale_command, Command("sale"))
    return router
