"""/adjust <member> <+points|-points> <reason>: an admin or owner corrects a balance by hand (cashiers are told what
they may do instead); the member hears of it, with the reason, through the outbox."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import HasRole
from handlers.i18n import Texts, Translator
from handlers.staff.till import actor_of, said
from models.core.base import utcnow
from models.core.programme import Programme
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.team.staff import Role
from models.till.adjustments import adjust


async def adjust_command(
    message: Message,
    command: CommandObject,
    role: Role,
    t: Translator,
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
) -> None:
    words = (command.args or "").split(maxsplit=2)
    if len(words) < 2:
        await message.answer(t("adjust-usage"))
        return
    member, change, reason = words[0], words[1], words[2] if len(words) > 2 else ""
    done = await adjust(
        session,
        programme,
        cards,
        actor_of(message, role),
        member=member,
        change=change,
        reason=reason,
        source=said(message),
        now=utcnow(),
    )
    if not done.created:
        await message.answer(t("adjust-already"))
        return
    await message.answer(
        t(
            "adjust-done",
            number=shown(done.member_id),
            points=f"{done.points:+d}",
            reason=done.reason,
            balance=done.balance,
        )
    )


def router(texts: Texts) -> Router:
    router = Router(name="adjust")
    router.message.filter(HasRole(Role.ADMIN))  # a cashier is told what to do instead (`fallback.too_low`)
    router.message.register(adjust_command, Command("adjust"))
    return router
