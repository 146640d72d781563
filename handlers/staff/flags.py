"""/flags: the entries members said were not theirs, for owners to look into."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import HasRole
from handlers.i18n import Texts, Translator
from handlers.notices import kind_name, optional
from models.core.clock import business_day
from models.core.programme import Programme
from models.members.numbers import shown
from models.points.flags import recent_flags
from models.team.staff import Role


async def flags_command(message: Message, t: Translator, session: AsyncSession, programme: Programme) -> None:
    flags = await recent_flags(session)
    if not flags:
        await message.answer(t("flags-empty"))
        return
    lines = [t("flags-title")]
    for flag in flags:
        lines.append(
            t(
                "flags-line",
                date=business_day(programme, flag.flagged_at),
                number=shown(flag.member_id),
                sign="+" if flag.amount > 0 else "−",
                points=abs(flag.amount),
                kind=kind_name(t, flag.kind),
                reason=optional(flag.reason),
                actor=str(flag.actor_id) if flag.actor_id else t.raw("flags-system"),
            )
        )
    await message.answer("\n".join(lines))


def router(texts: Texts) -> Router:
    router = Router(name="flags")
    router.message.filter(HasRole(Role.OWNER))
    router.message.register(flags_command, Command("flags"))
    return router
