"""/sale <member> <amount> [category] [#receipt]: record a purchase and its points."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, Update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Texts, Translator
from bot.settings import Settings
from handlers.filters import HasRole
from handlers.staff.till import Till, actor_of, read_sale
from models.cards import CardSigner
from models.programme import Programme
from models.sales_desk import SalesDesk
from models.staff import Role


async def sale_command(
    message: Message,
    command: CommandObject,
    event_update: Update,
    role: Role,
    bot: Bot,
    texts: Texts,
    t: Translator,
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    settings: Settings,
    sales_desk: SalesDesk,
) -> None:
    words = (command.args or "").split()
    sale = read_sale(words[1:]) if words else None
    if sale is None:
        await message.answer(t("sale-usage"))
        return
    till = Till(bot, texts, t, session, programme, cards, settings, sales_desk)
    await till.sale(message, actor_of(message, role), words[0], sale, event_update)


def router(texts: Texts) -> Router:
    router = Router(name="sale")
    router.message.filter(HasRole(Role.CASHIER))
    router.message.register(sale_command, Command("sale"))
    return router
