"""Answering a message or a button press the same way, so that features need not care which it was."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
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


async def edit(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace a message's text; a double tap that asks for the same content again is not an error."""
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            raise
