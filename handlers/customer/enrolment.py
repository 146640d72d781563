"""Joining: privacy summary and consent, marketing as a separate choice, an optional phone, the welcome bonus."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ConsentAnswer, MarketingAnswer
from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from handlers.keyboards import main_menu, share_phone
from handlers.member_panel import show_member_panel
from models.core.base import utcnow
from models.core.programme import Programme
from models.members import registry
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.members.registry import MemberView
from models.membership import enrolment
from models.team.staff import Actor, Role

REFERRAL_PREFIX = "ref_"
REFERRAL_CODE = re.compile(rf"[{enrolment.REFERRAL_ALPHABET}]{{8}}")


def consent_keyboard(t: Translator, ref: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t.raw("consent-agree"), callback_data=ConsentAnswer(agree=True, ref=ref).pack()
                )
            ],
            [InlineKeyboardButton(text=t.raw("consent-decline"), callback_data=ConsentAnswer(agree=False).pack())],
        ]
    )


def marketing_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=t.raw("marketing-yes"), callback_data=MarketingAnswer(agree=True).pack()),
                InlineKeyboardButton(text=t.raw("marketing-no"), callback_data=MarketingAnswer(agree=False).pack()),
            ]
        ]
    )


async def start(
    message: Message,
    command: CommandObject,
    t: Translator,
    member: MemberView | None,
    role: Role | None,
    programme: Programme,
    cards: CardSigner,
    session: AsyncSession,
) -> None:
    payload = command.args or ""
    if CardSigner.looks_like_token(payload):
        await open_scanned_card(message, t, payload, member, role, cards, session, programme)
        return
    if member is not None:
        await message.answer(
            t("start-returning", name=member.first_name or "", points=member.balance), reply_markup=main_menu(t)
        )
        return
    ref = payload.removeprefix(REFERRAL_PREFIX) if payload.startswith(REFERRAL_PREFIX) else ""
    if ref and not REFERRAL_CODE.fullmatch(ref):
        # Not a code we could have issued: join without an inviter rather than carry junk into the button.
        await message.answer(t("referral-link-invalid"))
        ref = ""
    await message.answer(
        t("consent-summary", programme=programme.name, welcome=programme.bonuses.welcome),
        reply_markup=consent_keyboard(t, ref),
    )


async def open_scanned_card(
    message: Message,
    t: Translator,
    token: str,
    member: MemberView | None,
    role: Role | None,
    cards: CardSigner,
    session: AsyncSession,
    programme: Programme,
) -> None:
    """A card's QR code opens the bot: staff land on the member's panel, anyone else is told whose card it is."""
    member_id = cards.verify(token, utcnow())
    if role is not None and message.from_user is not None:
        viewer = Actor(message.from_user.id, role)
        await show_member_panel(message, t, session, programme, cards, viewer, shown(member_id))
    elif member is not None and member.id == member_id:
        await message.answer(t("card-own-scanned"))
    else:
        await message.answer(t("card-not-yours"))


async def consent_answer(
    query: CallbackQuery,
    callback_data: ConsentAnswer,
    t: Translator,
    member: MemberView | None,
    session: AsyncSession,
    programme: Programme,
) -> None:
    if not isinstance(query.message, Message):
        await query.answer(t.raw("button-stale"), show_alert=True)
        return
    if not callback_data.agree:
        await query.answer()
        await query.message.edit_text(t("consent-declined"))
        return
    if member is not None:
        await query.answer(t.raw("already-member"))
        return
    user = query.from_user
    joined = await enrolment.enrol(
        session,
        programme,
        telegram_id=user.id,
        first_name=user.first_name,
        username=user.username,
        language=registry.pick_language(user.language_code),
        referral_code=callback_data.ref or None,
        now=utcnow(),
    )
    await query.answer()
    if not joined.created:
        return
    lines = [t("welcome", name=user.first_name, number=shown(joined.member.id), points=joined.welcome_points)]
    if callback_data.ref and joined.invited_by is None:
        lines.append(t("referral-invalid"))
    await query.message.edit_text("\n\n".join(lines))
    await query.message.answer(t("marketing-question"), reply_markup=marketing_keyboard(t))


async def marketing_answer(
    query: CallbackQuery,
    callback_data: MarketingAnswer,
    t: Translator,
    member: MemberView,
    session: AsyncSession,
    programme: Programme,
) -> None:
    await registry.set_marketing_consent(session, programme, member.id, granted=callback_data.agree, now=utcnow())
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("marketing-yes-done" if callback_data.agree else "marketing-no-done"))
        if member.phone is None:
            await query.message.answer(t("phone-question"), reply_markup=share_phone(t))


async def contact_shared(message: Message, t: Translator, member: MemberView, session: AsyncSession) -> None:
    assert message.contact is not None
    assert message.from_user is not None
    await registry.save_own_phone(
        session,
        member.id,
        sender_id=message.from_user.id,
        contact_user_id=message.contact.user_id,
        phone=message.contact.phone_number,
    )
    await message.answer(t("phone-saved"), reply_markup=main_menu(t))


async def phone_skipped(message: Message, t: Translator) -> None:
    await message.answer(t("phone-skipped"), reply_markup=main_menu(t))


def router(texts: Texts) -> Router:
    router = Router(name="enrolment")
    router.message.register(start, CommandStart())
    router.callback_query.register(consent_answer, ConsentAnswer.filter())
    router.callback_query.register(marketing_answer, MarketingAnswer.filter(), IsMember())
    router.message.register(contact_shared, F.contact, IsMember())
    router.message.register(phone_skipped, F.text.in_(texts.variants("phone-skip")), IsMember())
    return router
