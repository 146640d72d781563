"""The last router: whatever nobody else took gets a short answer saying what to do instead."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from handlers.commands import CUSTOMER_COMMANDS, STAFF_COMMANDS
from handlers.i18n import Texts, Translator
from models.members.registry import MemberView
from models.team.staff import Role


def command_name(text: str) -> str:
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()


def too_low(t: Translator, command: str, role: Role) -> str:
    """The refusal of a staff command to a lower role: what they may do instead, where a command says."""
    own = f"role-too-low-{command}"
    return t(own) if t.has(own) else t("role-too-low", role=role.value)


async def unhandled_message(message: Message, t: Translator, member: MemberView | None, role: Role | None) -> None:
    text = message.text or message.caption or ""
    if text.startswith("/") and len(text) > 1:
        name = command_name(text)
        if name in STAFF_COMMANDS:
            await message.answer(t("staff-only") if role is None else too_low(t, name, role))
            return
        if name in CUSTOMER_COMMANDS and member is None:
            await message.answer(t("join-first"))
            return
        await message.answer(t("unknown-command"))
        return
    await message.answer(t("unknown-text") if member is not None else t("join-first"))


async def unhandled_callback(query: CallbackQuery, t: Translator) -> None:
    await query.answer(t.raw("button-stale"), show_alert=True)


def router(texts: Texts) -> Router:
    router = Router(name="fallback")
    router.message.register(unhandled_message, F.chat.type == "private")
    router.callback_query.register(unhandled_callback)
    return router
