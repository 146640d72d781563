"""/redeem <member> <points> spends points; /redeem <coupon-code> uses a coupon (the offers feature's part)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, Update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Texts, Translator
from bot.settings import Settings
from handlers.filters import HasRole
from handlers.staff.till import Till, actor_of
from models.cards import CardSigner
from models.programme import Programme
from models.sales_desk import SalesDesk
from models.staff import Role


async def redeem_coupon(message: Message, t: Translator, code: str) -> None:
    """`/redeem <code>`: where the offers feature plugs in coupon redemption; until then, the usage text."""
    await message.answer(t("redeem-usage"))


async def redeem_command(
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
    if len(words) == 1:
        await redeem_coupon(message, t, words[0])
        return
    if len(words) != 2:
        await message.answer(t("redeem-usage"))
        return
    till = Till(bot, texts, t, session, programme, cards, settings, sales_desk)
    await till.redeem(message, actor_of(message, role), words[0], words[1], event_update)


def router(texts: Texts) -> Router:
    router = Router(name="redeem")
    router.message.filter(HasRole(Role.CASHIER))
    router.message.register(redeem_command, Command("redeem"))
    return router
