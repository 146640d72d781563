"""/settings and the ⚙️ Settings button: language, promotional messages, birthday and interests.

Everything happens on one message that is edited in place; only the birthday is typed, then confirmed with a button
because it may change just once a year.
"""

from __future__ import annotations

import re
from datetime import date

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import SettingsBirthday, SettingsInterest, SettingsLanguage, SettingsMarketing, SettingsOpen
from handlers.callbacks import SettingsPage as Page
from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from handlers.keyboards import MENU_ROWS, main_menu
from handlers.replies import edit
from handlers.states import SettingsStates
from models.core.base import utcnow
from models.core.errors import InvalidChoice
from models.core.programme import LANGUAGES, Programme
from models.members import preferences, registry
from models.members.preferences import Preferences
from models.members.registry import MemberView

# 31.12.1990, 31/12/1990, 31-12-1990 or 1990-12-31
_DAY_FIRST = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_day(text: str) -> date | None:
    """A date typed the way people type dates, or None."""
    text = text.strip()
    if found := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(part) for part in found.groups())
    elif found := _YEAR_FIRST.fullmatch(text):
        year, month, day = (int(part) for part in found.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def main_page(t: Translator, prefs: Preferences, programme: Programme) -> tuple[str, InlineKeyboardMarkup]:
    liked = [title.in_(t.language) for name, title in programme.categories.items() if name in prefs.interests]
    lines = [
        t("settings-title"),
        t("settings-language", language=t.raw(f"language-{prefs.language}")),
        t("settings-marketing-on" if prefs.marketing else "settings-marketing-off"),
        t("settings-birthday", day=prefs.birthday) if prefs.birthday else t("settings-birthday-unset"),
        t("settings-interests", interests=", ".join(liked)) if liked else t("settings-interests-none"),
    ]
    builder = InlineKeyboardBuilder()
    builder.row(
        *(
            _button(
                t.raw("choice-current" if code == prefs.language else "choice-other", label=t.raw(f"language-{code}")),
                SettingsLanguage(language=code),
            )
            for code in LANGUAGES
        )
    )
    marketing_label = "settings-marketing-turn-off" if prefs.marketing else "settings-marketing-turn-on"
    builder.row(_button(t.raw(marketing_label), SettingsMarketing(on=not prefs.marketing)))
    builder.row(_button(t.raw("settings-birthday-button"), SettingsBirthday()))
    builder.row(_button(t.raw("settings-interests-button"), SettingsOpen(page=Page.INTERESTS)))
    return "\n".join(lines), builder.as_markup()


def interests_page(t: Translator, prefs: Preferences, programme: Programme) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for name, title in programme.categories.items():
        label = t.raw("choice-current" if name in prefs.interests else "choice-other", label=title.in_(t.language))
        builder.button(text=label, callback_data=SettingsInterest(category=name))
    builder.adjust(2)
    builder.row(_button(t.raw("settings-back"), SettingsOpen(page=Page.MAIN)))
    return t("settings-interests-title"), builder.as_markup()


PAGES = {Page.MAIN: main_page, Page.INTERESTS: interests_page}


async def _render(
    t: Translator, page: Page, member_id: int, session: AsyncSession, programme: Programme
) -> tuple[str, InlineKeyboardMarkup]:
    prefs = await preferences.preferences(session, programme, member_id, utcnow())
    return PAGES[page](t, prefs, programme)


async def show_settings(
    message: Message, t: Translator, member: MemberView, session: AsyncSession, programme: Programme, state: FSMContext
) -> None:
    await state.clear()
    text, markup = await _render(t, Page.MAIN, member.id, session, programme)
    await message.answer(text, reply_markup=markup)


async def _show_page(
    query: CallbackQuery, t: Translator, page: Page, member_id: int, session: AsyncSession, programme: Programme
) -> None:
    text, markup = await _render(t, page, member_id, session, programme)
    await query.answer()
    if isinstance(query.message, Message):
        await edit(query.message, text, markup)


async def open_page(
    query: CallbackQuery,
    callback_data: SettingsOpen,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
) -> None:
    await _show_page(query, t, callback_data.page, member.id, session, programme)


async def change_language(
    query: CallbackQuery,
    callback_data: SettingsLanguage,
    texts: Texts,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
) -> None:
    changed = await preferences.set_language(session, member.id, callback_data.language)
    t = texts[callback_data.language]
    await _show_page(query, t, Page.MAIN, member.id, session, programme)
    if changed and isinstance(query.message, Message):
        # The reply keyboard below the chat has the old language's labels until it is sent again.
        await query.message.answer(t("settings-language-changed"), reply_markup=main_menu(t))


async def change_marketing(
    query: CallbackQuery,
    callback_data: SettingsMarketing,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
) -> None:
    await registry.set_marketing_consent(session, programme, member.id, granted=callback_data.on, now=utcnow())
    await _show_page(query, t, Page.MAIN, member.id, session, programme)


async def toggle_interest(
    query: CallbackQuery,
    callback_data: SettingsInterest,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
) -> None:
    await preferences.toggle_interest(session, programme, member.id, callback_data.category)
    await _show_page(query, t, Page.INTERESTS, member.id, session, programme)


async def birthday_button(
    query: CallbackQuery,
    callback_data: SettingsBirthday,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
    state: FSMContext,
) -> None:
    if callback_data.day:
        await save_birthday(query, callback_data.day, t, member, session, programme)
        return
    prefs = await preferences.preferences(session, programme, member.id, utcnow())
    if prefs.birthday_locked_until is not None:
        await query.answer(t.raw("birthday-locked-alert", date=prefs.birthday_locked_until), show_alert=True)
        return
    await state.set_state(SettingsStates.birthday)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(t("birthday-ask"))


async def birthday_typed(message: Message, t: Translator, programme: Programme, state: FSMContext) -> None:
    day = parse_day(message.text or "")
    if day is None:
        await message.answer(t("birthday-format"))
        return
    preferences.check_birthday(programme, day, utcnow())
    await state.clear()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(t.raw("birthday-save"), SettingsBirthday(day=day.isoformat()))],
            [_button(t.raw("birthday-cancel"), SettingsOpen(page=Page.MAIN))],
        ]
    )
    await message.answer(t("birthday-confirm", day=day), reply_markup=markup)


async def save_birthday(
    query: CallbackQuery, iso_day: str, t: Translator, member: MemberView, session: AsyncSession, programme: Programme
) -> None:
    try:
        day = date.fromisoformat(iso_day)
    except ValueError:
        raise InvalidChoice() from None
    await preferences.set_birthday(session, programme, member.id, day, utcnow())
    await _show_page(query, t, Page.MAIN, member.id, session, programme)


def router(texts: Texts) -> Router:
    router = Router(name="settings")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(show_settings, Command("settings"))
    router.message.register(show_settings, F.text.in_(texts.variants("menu-settings")))
    # Commands and menu buttons keep working while a birthday is awaited; anything else typed is the birthday.
    menu = frozenset().union(*(texts.variants(key) for row in MENU_ROWS for key in row))
    router.message.register(birthday_typed, SettingsStates.birthday, F.text, ~F.text.startswith("/"), ~F.text.in_(menu))
    router.callback_query.register(open_page, SettingsOpen.filter())
    router.callback_query.register(change_language, SettingsLanguage.filter())
    router.callback_query.register(change_marketing, SettingsMarketing.filter())
    router.callback_query.register(toggle_interest, SettingsInterest.filter())
    router.callback_query.register(birthday_button, SettingsBirthday.filter())
    return router
