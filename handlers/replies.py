"""Answering a message or a button press the same way, so that features need not care which it was."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup


async def reply(
    event: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer()
        if isinstance(event.message, Message):
            await event.message.answer(text, reply_markup=markup)
        return
    await event.answer(text, reply_markup=markup)
