"""/redeem <member> <points> spends points; /redeem <coupon-code> uses a coupon (the offers feature's part)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers.filters import HasRole
from handlers.i18n import Texts
from handlers.staff.coupons import use_coupon
from handlers.staff.till import Till, TillMiddleware, actor_of, said
from models.members import numbers
from models.offers.coupons import looks_like_code
from models.team.staff import Role


async def redeem_command(message: Message, command: CommandObject, role: Role, till: Till) -> None:
    words = (command.args or "").split()
    if len(words) == 1 and not numbers.looks_like(words[0]):  # a lone member number is missing its points
        await use_coupon(message, till, actor_of(message, role), words[0])
        return
    if len(words) == 2 and looks_like_code(words[1]):
        await use_coupon(message, till, actor_of(message, role), words[1], member=words[0])
        return
    if len(words) != 2:
        await message.answer(till.t("redeem-usage"))
        return
    await till.redeem(message, actor_of(message, role), words[0], words[1], said(message))


def router(texts: Texts) -> Router:
    router = Router(name="redeem")
    router.message.filter(HasRole(Role.CASHIER))
    router.message.middleware(TillMiddleware())
    router.message.register(redeem_command, Command("redeem"))
    return router
