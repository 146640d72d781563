"""The member panel a cashier lands on after scanning a card (the staff side fills it in)."""

from __future__ import annotations

from aiogram.types import Message

from bot.i18n import Translator


async def show_member_panel(message: Message, t: Translator, member_id: int) -> None:
    await message.answer(t("panel-placeholder", number=member_id))
