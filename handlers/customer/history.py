"""/history: the member's ledger, newest first, a page at a time; and "this wasn't me" on any announcement."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import HistoryPageButton, NotMe
from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from handlers.notices import kind_name, optional
from models.core.base import utcnow
from models.core.clock import business_day
from models.core.programme import Programme
from models.members.registry import MemberView
from models.points.flags import flag_entry
from models.points.history import HistoryPage, history


def render_history(t: Translator, programme: Programme, page: HistoryPage) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.lines:
        return t("history-empty"), None
    lines = [t("history-title", page=page.page + 1, pages=page.pages)]
    for line in page.lines:
        lines.append(
            t(
                "history-line",
                date=business_day(programme, line.at),
                sign="+" if line.amount > 0 else "−",
                points=abs(line.amount),
                kind=kind_name(t, line.kind),
                reason=optional(line.reason),
            )
        )
    buttons = []
    if page.page > 0:
        buttons.append(
            InlineKeyboardButton(
                text=t.raw("history-newer"), callback_data=HistoryPageButton(page=page.page - 1).pack()
            )
        )
    if page.page + 1 < page.pages:
        buttons.append(
            InlineKeyboardButton(
                text=t.raw("history-older"), callback_data=HistoryPageButton(page=page.page + 1).pack()
            )
        )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None


async def show_history(
    message: Message, t: Translator, member: MemberView, session: AsyncSession, programme: Programme
) -> None:
    text, markup = render_history(t, programme, await history(session, member.id, 0))
    await message.answer(text, reply_markup=markup)


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryPageButton,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
) -> None:
    page = await history(session, member.id, callback_data.page)
    await query.answer()
    if isinstance(query.message, Message):
        text, markup = render_history(t, programme, page)
        with suppress(TelegramBadRequest):  # an old button for the page already shown: nothing to change
            await query.message.edit_text(text, reply_markup=markup)


async def not_me(
    query: CallbackQuery, callback_data: NotMe, t: Translator, member: MemberView, session: AsyncSession
) -> None:
    first = await flag_entry(session, member_id=member.id, entry_id=callback_data.entry, now=utcnow())
    await query.answer(t.raw("notme-thanks" if first else "notme-already"), show_alert=True)


def router(texts: Texts) -> Router:
    router = Router(name="history")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(show_history, Command("history"))
    router.message.register(show_history, F.text.in_(texts.variants("menu-history")))
    router.callback_query.register(turn_page, HistoryPageButton.filter())
    router.callback_query.register(not_me, NotMe.filter())
    return router
