"""The member's rights over their data: /stop promotional messages, /mydata export, /forget erasure.

These stay open to a member who has not agreed to a new version of the terms: declining the terms must not take
away the way to leave.
"""

from __future__ import annotations

import json
import logging

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ForgetAnswer
from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from handlers.replies import edit
from models.core.base import utcnow
from models.core.programme import Programme
from models.members import registry
from models.members.numbers import shown
from models.members.registry import MemberView
from models.membership import privacy

log = logging.getLogger(__name__)


async def stop_marketing(
    message: Message, t: Translator, member: MemberView, session: AsyncSession, programme: Programme
) -> None:
    changed = await registry.set_marketing_consent(session, programme, member.id, granted=False, now=utcnow())
    await message.answer(t("stop-done" if changed else "stop-already"))


async def send_my_data(
    message: Message, t: Translator, member: MemberView, session: AsyncSession, programme: Programme
) -> None:
    now = utcnow()
    document = await privacy.export(session, programme, member.id, now)
    data = json.dumps(document, ensure_ascii=False, indent=2).encode()
    await message.answer_document(
        BufferedInputFile(data, filename=t.raw("mydata-filename", number=shown(member.id))), caption=t("mydata-caption")
    )


def forget_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=t.raw("forget-yes"), callback_data=ForgetAnswer(confirm=True).pack())],
            [InlineKeyboardButton(text=t.raw("forget-no"), callback_data=ForgetAnswer(confirm=False).pack())],
        ]
    )


async def ask_forget(message: Message, t: Translator, member: MemberView) -> None:
    await message.answer(t("forget-question", points=member.balance), reply_markup=forget_keyboard(t))


async def forget_answer(
    query: CallbackQuery,
    callback_data: ForgetAnswer,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
    state: FSMContext,
) -> None:
    if not callback_data.confirm:
        await query.answer()
        if isinstance(query.message, Message):
            await edit(query.message, t("forget-kept"))
        return
    await privacy.forget(session, programme, member.id, utcnow())
    await query.answer()  # only now: a refusal above is answered in an alert instead
    await state.clear()
    log.info("member %s erased their personal data", member.id)
    if isinstance(query.message, Message):
        await edit(query.message, t("forget-done"))
        await query.message.answer(t("forget-rejoin"), reply_markup=ReplyKeyboardRemove())


def router(texts: Texts) -> Router:
    router = Router(name="privacy")
    router.message.filter(IsMember())
    router.callback_query.filter(IsMember())
    router.message.register(stop_marketing, Command("stop"))
    router.message.register(send_my_data, Command("mydata"))
    router.message.register(ask_forget, Command("forget"))
    router.callback_query.register(forget_answer, ForgetAnswer.filter())
    return router
