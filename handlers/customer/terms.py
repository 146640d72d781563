"""New terms: a member who agreed to an older version of the consent text is asked again before anything else.

This router comes before every customer feature, so whatever such a member sends is answered with the new terms;
only /stop, /mydata and /forget (whose router comes earlier still) and staff work are let through.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import TermsAnswer
from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from handlers.keyboards import main_menu
from handlers.replies import edit, reply
from models.core.base import utcnow
from models.core.programme import Programme
from models.members import consent
from models.members.registry import MemberView
from models.team.staff import Role


class TermsOutdated(Filter):
    """A customer who has not agreed to the terms in force (staff at work are not held up by it)."""

    async def __call__(
        self, event: TelegramObject, member: MemberView | None, role: Role | None, programme: Programme
    ) -> bool:
        return member is not None and role is None and consent.is_outdated(programme, member)


def terms_keyboard(t: Translator, version: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t.raw("terms-agree"), callback_data=TermsAnswer(agree=True, version=version).pack()
                )
            ],
            [
                InlineKeyboardButton(
                    text=t.raw("terms-decline"), callback_data=TermsAnswer(agree=False, version=version).pack()
                )
            ],
        ]
    )


async def ask_again(event: Message | CallbackQuery, t: Translator, programme: Programme) -> None:
    await reply(
        event,
        t("terms-updated", programme=programme.name, version=programme.consent_version),
        terms_keyboard(t, programme.consent_version),
    )


async def terms_answer(
    query: CallbackQuery,
    callback_data: TermsAnswer,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
) -> None:
    if callback_data.version != programme.consent_version:
        # The member answered terms that have since changed again: show the current ones.
        await ask_again(query, t, programme)
        return
    now = utcnow()
    accepted = callback_data.agree and await consent.accept_terms(session, programme, member.id, now)
    if not callback_data.agree:
        await consent.refuse_terms(session, programme, member.id, now)
    await query.answer()
    if isinstance(query.message, Message):
        await edit(query.message, t("terms-accepted" if callback_data.agree else "terms-declined"))
        if accepted:
            await query.message.answer(t("terms-menu"), reply_markup=main_menu(t))


def router(texts: Texts) -> Router:
    router = Router(name="terms")
    router.callback_query.register(terms_answer, TermsAnswer.filter(), IsMember())
    router.message.register(ask_again, TermsOutdated())
    router.callback_query.register(ask_again, TermsOutdated())
    return router
