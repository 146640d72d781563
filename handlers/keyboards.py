"""Keyboards shared by several features."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.keyboard import ReplyKeyboardBuilder

from handlers.i18n import Translator

MENU_ROWS = (("menu-card", "menu-balance"), ("menu-offers", "menu-history"), ("menu-invite", "menu-settings"))


def main_menu(t: Translator) -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    for row in MENU_ROWS:
        builder.row(*(KeyboardButton(text=t.raw(key)) for key in row))
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def share_phone(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t.raw("phone-share"), request_contact=True)],
            [KeyboardButton(text=t.raw("phone-skip"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
