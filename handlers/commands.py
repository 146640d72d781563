"""The bot's commands, the one list from which menus, help and "not for you" answers are derived."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)

from handlers.i18n import Texts
from models.team.staff import Role

CUSTOMER_COMMANDS = (
    "start",
    "card",
    "balance",
    "history",
    "offers",
    "invite",
    "settings",
    "mydata",
    "forget",
    "stop",
    "help",
)
STAFF_COMMANDS: dict[str, Role] = {
    "sale": Role.CASHIER,
    "redeem": Role.CASHIER,
    "refund": Role.CASHIER,
    "member": Role.CASHIER,
    "campaign": Role.ADMIN,
    "campaigns": Role.ADMIN,
    "campaign_stats": Role.ADMIN,
    "campaign_cancel": Role.ADMIN,
    "stats": Role.ADMIN,
    "adjust": Role.ADMIN,
    "flags": Role.OWNER,
    "staff": Role.OWNER,
    "console": Role.CASHIER,
}


def _commands(texts: Texts, language: str, names: list[str]) -> list[BotCommand]:
    t = texts[language]
    return [BotCommand(command=name, description=t.raw(f"cmd-{name}")) for name in names]


async def publish_customer_commands(bot: Bot, texts: Texts) -> None:
    """The "/" menu every user sees, in each language (English is also the default)."""
    for language in texts.all():
        commands = _commands(texts, language, list(CUSTOMER_COMMANDS))
        await bot.set_my_commands(commands, BotCommandScopeDefault(), language_code=language)
    await bot.set_my_commands(_commands(texts, "en", list(CUSTOMER_COMMANDS)), BotCommandScopeDefault())


async def publish_staff_commands(
    bot: Bot, texts: Texts, chat_id: int, role: Role, language: str, console_url: str | None
) -> None:
    """A staff member's own "/" menu: the customer commands plus what their role allows; and, when the console is
    on, the chat's menu button opens it."""
    allowed = [name for name, needed in STAFF_COMMANDS.items() if role.can(needed)]
    await bot.set_my_commands(
        _commands(texts, language, [*allowed, *CUSTOMER_COMMANDS]), BotCommandScopeChat(chat_id=chat_id)
    )
    if console_url:
        button = MenuButtonWebApp(text=texts[language].raw("console-button"), web_app=WebAppInfo(url=console_url))
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)


async def withdraw_staff_commands(bot: Bot, chat_id: int) -> None:
    """Back to the customer menu (and menu button) for someone who is no longer staff."""
    await bot.delete_my_commands(BotCommandScopeChat(chat_id=chat_id))
    await bot.set_chat_menu_button(chat_id=chat_id, menu_button=MenuButtonDefault())
