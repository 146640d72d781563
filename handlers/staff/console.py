"""/console: the console's button for staff, or, while CONSOLE_URL is unset, the news that it is off."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, WebAppInfo

from handlers.filters import HasRole
from handlers.i18n import Texts, Translator
from models.team.staff import Role


async def open_console(message: Message, t: Translator, console_url: str | None) -> None:
    if not console_url:
        await message.answer(t("console-off"))
        return
    button = InlineKeyboardButton(text=t.raw("console-button"), web_app=WebAppInfo(url=console_url))
    await message.answer(t("console-open"), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))


def router(texts: Texts) -> Router:
    router = Router(name="console")
    router.message.filter(HasRole(Role.CASHIER))
    router.message.register(open_console, Command("console"))
    return router
