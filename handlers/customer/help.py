"""/help: what the bot does, listed from the same command table as the "/" menu."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from handlers.commands import CUSTOMER_COMMANDS, STAFF_COMMANDS
from handlers.i18n import Texts, Translator
from handlers.keyboards import main_menu
from models.members.registry import MemberView
from models.team.staff import Role


async def show_help(message: Message, t: Translator, member: MemberView | None, role: Role | None) -> None:
    lines = [t("help-intro")]
    lines += [f"/{name} — {t(f'cmd-{name}')}" for name in CUSTOMER_COMMANDS]
    if role is not None:
        lines.append("\n" + t("help-staff"))
        lines += [f"/{name} — {t(f'cmd-{name}')}" for name, needed in STAFF_COMMANDS.items() if role.can(needed)]
    await message.answer("\n".join(lines), reply_markup=main_menu(t) if member else None)


def router(texts: Texts) -> Router:
    router = Router(name="help")
    router.message.register(show_help, Command("help"))
    return router
