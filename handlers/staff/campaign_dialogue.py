"""The guided /campaign: segment (with its size), text or photo, offer, time, holdout, a preview, confirmation.

Each answer is checked by the same domain rule as the one-line form as soon as it is given, so a mistake is
corrected at its step; the draft lives in the FSM data until it is confirmed or abandoned.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import CampaignChoice, CampaignStep
from handlers.campaign_message import campaign_text, sample_coupon
from handlers.i18n import Translator
from handlers.ports import CampaignTimetable
from handlers.replies import reply
from handlers.staff.campaign_input import (
    InputError,
    created_text,
    example_time,
    photo_of,
    read_percent,
    read_when,
    shown_time,
)
from handlers.states import CampaignStates
from models.campaigns.planning import (
    PERSONAL,
    CampaignDraft,
    audience_sizes,
    check_holdout,
    check_offer,
    check_segment,
    check_send_at,
    check_text,
    create_campaign,
)
from models.campaigns.queue import couponed
from models.campaigns.records import MAX_HOLDOUT_PERCENT
from models.core.base import utcnow
from models.core.programme import Programme
from models.core.updates import UpdateWork
from models.team.staff import Actor, Role

HOLDOUT_CHOICES = (0, 5, 10, 20)
Event = Message | CallbackQuery


def _choice(step: CampaignStep, value: str = "") -> str:
    return CampaignChoice(step=step, value=value).pack()


def _abort_row(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=t.raw("campaign-abort"), callback_data=_choice(CampaignStep.ABORT))]


def _keyboard(t: Translator, buttons: list[tuple[str, str]], step: CampaignStep, width: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, value in buttons:
        builder.button(text=label, callback_data=_choice(step, value))
    builder.adjust(width)
    builder.row(*_abort_row(t))
    return builder.as_markup()


def _draft(data: dict[str, object]) -> CampaignDraft:
    send_at = data.get("send_at")
    return CampaignDraft(
        segment=str(data["segment"]),
        text=str(data["text"]),
        photo=str(data["photo"]) if data.get("photo") else None,
        offer=str(data["offer"]) if data.get("offer") else None,
        holdout_percent=int(str(data.get("holdout", 0))),
        send_at=datetime.fromisoformat(str(send_at)) if send_at else None,
        key=str(data["key"]) if data.get("key") else None,
    )


# Step 1: the audience


async def begin(
    message: Message, state: FSMContext, t: Translator, session: AsyncSession, programme: Programme
) -> None:
    """Open a new draft: ask for the segment, showing how many members each one reaches now."""
    sizes = await audience_sizes(session, programme)
    await state.set_state(CampaignStates.segment)
    await state.set_data({})
    buttons = [(t.raw("campaign-segment-button", segment=name, size=size), name) for name, size in sizes.items()]
    await message.answer(t("campaign-ask-segment"), reply_markup=_keyboard(t, buttons, CampaignStep.SEGMENT, 2))


async def _take_segment(event: Event, segment: str, state: FSMContext, t: Translator, programme: Programme) -> None:
    await state.update_data(segment=check_segment(programme, segment))
    await state.set_state(CampaignStates.text)
    await reply(event, t("campaign-ask-text"))


async def segment_pressed(
    query: CallbackQuery, callback_data: CampaignChoice, state: FSMContext, t: Translator, programme: Programme
) -> None:
    await _take_segment(query, callback_data.value, state, t, programme)


async def segment_typed(message: Message, state: FSMContext, t: Translator, programme: Programme) -> None:
    await _take_segment(message, (message.text or "").strip(), state, t, programme)


# Step 2: the text, with an optional photo


async def text_received(message: Message, state: FSMContext, t: Translator, programme: Programme) -> None:
    photo = photo_of(message)
    text = check_text(message.html_text if (message.text or message.caption) else "", photo)
    await state.update_data(text=text, photo=photo)
    await state.set_state(CampaignStates.offer)
    buttons = [(t.raw("campaign-offer-none"), ""), (t.raw("campaign-offer-personal"), PERSONAL)]
    buttons += [(offer.title.in_(t.language), offer.id) for offer in programme.offers]
    await message.answer(t("campaign-ask-offer"), reply_markup=_keyboard(t, buttons, CampaignStep.OFFER, 1))


# Step 3: the offer


async def _take_offer(event: Event, offer: str | None, state: FSMContext, t: Translator, programme: Programme) -> None:
    await state.update_data(offer=check_offer(programme, offer))
    await state.set_state(CampaignStates.when)
    now_button = [(t.raw("campaign-when-now"), "now")]
    text = t("campaign-ask-when", zone=programme.timezone, example=example_time(programme, utcnow()))
    await reply(event, text, _keyboard(t, now_button, CampaignStep.WHEN, 1))


async def offer_pressed(
    query: CallbackQuery, callback_data: CampaignChoice, state: FSMContext, t: Translator, programme: Programme
) -> None:
    await _take_offer(query, callback_data.value or None, state, t, programme)


async def offer_typed(message: Message, state: FSMContext, t: Translator, programme: Programme) -> None:
    await _take_offer(message, (message.text or "").strip() or None, state, t, programme)


# Step 4: the time


async def _take_when(event: Event, raw: str, state: FSMContext, t: Translator, programme: Programme) -> None:
    now = utcnow()
    try:
        send_at = read_when(programme, raw, now)
    except InputError as error:
        await reply(event, t(error.key, **error.values))
        return
    if send_at is not None:
        send_at = check_send_at(programme, send_at, now)
    await state.update_data(send_at=send_at.isoformat() if send_at else None)
    await state.set_state(CampaignStates.holdout)
    buttons = [(t.raw("campaign-holdout-button", percent=percent), str(percent)) for percent in HOLDOUT_CHOICES]
    text = t("campaign-ask-holdout", limit=MAX_HOLDOUT_PERCENT)
    await reply(event, text, _keyboard(t, buttons, CampaignStep.HOLDOUT, len(buttons)))


async def when_pressed(
    query: CallbackQuery, callback_data: CampaignChoice, state: FSMContext, t: Translator, programme: Programme
) -> None:
    await _take_when(query, callback_data.value, state, t, programme)


async def when_typed(message: Message, state: FSMContext, t: Translator, programme: Programme) -> None:
    await _take_when(message, message.text or "", state, t, programme)


# Step 5: the control group, then the preview


async def _take_holdout(
    event: Event, raw: str, state: FSMContext, t: Translator, session: AsyncSession, programme: Programme
) -> None:
    try:
        percent = check_holdout(read_percent(raw, MAX_HOLDOUT_PERCENT))
    except InputError as error:
        await reply(event, t(error.key, **error.values))
        return
    user = event.from_user
    assert user is not None
    await state.update_data(holdout=percent, key=f"draft:{user.id}:{secrets.token_hex(6)}")
    await state.set_state(CampaignStates.confirm)
    await _preview(event, _draft(await state.get_data()), t, session, programme)


async def _preview(
    event: Event, draft: CampaignDraft, t: Translator, session: AsyncSession, programme: Programme
) -> None:
    """The message exactly as a member will see it, then a summary to confirm."""
    size = (await audience_sizes(session, programme, [draft.segment]))[draft.segment]
    offer = programme.offer(draft.offer) if draft.offer and draft.offer != PERSONAL else None
    sample = sample_coupon(t, offer, utcnow()) if offer is not None and couponed(offer) else None
    text = campaign_text(t, draft.text, offer, sample, programme.timezone)
    await reply(event, t("campaign-preview"))
    chat = event if isinstance(event, Message) else event.message
    assert isinstance(chat, Message)
    if draft.photo:
        await chat.answer_photo(draft.photo, caption=text)
    else:
        await chat.answer(text)
    if draft.offer is None:
        offer_label = t.raw("campaign-offer-none")
    elif offer is None:
        offer_label = t.raw("campaign-offer-personal")
    else:
        offer_label = offer.title.in_(t.language)
    summary = [
        t(
            "campaign-summary",
            segment=draft.segment,
            count=size,
            when=shown_time(programme, draft.send_at) if draft.send_at else t.raw("campaign-summary-now"),
            offer=offer_label,
            holdout=draft.holdout_percent,
        )
    ]
    if draft.offer == PERSONAL:
        summary.append(t("campaign-preview-personal"))
    confirm = [(t.raw("campaign-confirm"), "")]
    await chat.answer("\n\n".join(summary), reply_markup=_keyboard(t, confirm, CampaignStep.CONFIRM, 1))


async def holdout_pressed(
    query: CallbackQuery,
    callback_data: CampaignChoice,
    state: FSMContext,
    t: Translator,
    session: AsyncSession,
    programme: Programme,
) -> None:
    await _take_holdout(query, callback_data.value, state, t, session, programme)


async def holdout_typed(
    message: Message, state: FSMContext, t: Translator, session: AsyncSession, programme: Programme
) -> None:
    await _take_holdout(message, message.text or "", state, t, session, programme)


# Confirmation or abandonment


async def confirmed(
    query: CallbackQuery,
    state: FSMContext,
    role: Role,
    t: Translator,
    session: AsyncSession,
    work: UpdateWork,
    programme: Programme,
    campaigns: CampaignTimetable,
) -> None:
    now = utcnow()
    campaign = await create_campaign(
        session, programme, _draft(await state.get_data()), Actor(query.from_user.id, role), now
    )
    await state.clear()
    work.after_commit(lambda: campaigns.schedule(campaign))  # delivery reads the campaign once it is committed
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await reply(query, created_text(t, programme, campaign, now))


async def aborted(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await reply(query, t("campaign-aborted"))


def register(router: Router) -> None:
    """The dialogue's handlers, on the campaigns router (which already admits only admins and owners)."""
    typed = F.text & ~F.text.startswith("/")
    steps = (
        (CampaignStates.segment, CampaignStep.SEGMENT, segment_pressed, segment_typed),
        (CampaignStates.offer, CampaignStep.OFFER, offer_pressed, offer_typed),
        (CampaignStates.when, CampaignStep.WHEN, when_pressed, when_typed),
        (CampaignStates.holdout, CampaignStep.HOLDOUT, holdout_pressed, holdout_typed),
    )
    for state, step, pressed, typed_handler in steps:
        router.callback_query.register(pressed, state, CampaignChoice.filter(F.step == step))
        router.message.register(typed_handler, state, typed)
    router.message.register(text_received, CampaignStates.text, typed | F.photo)
    router.callback_query.register(
        confirmed, CampaignStates.confirm, CampaignChoice.filter(F.step == CampaignStep.CONFIRM)
    )
    router.callback_query.register(
        aborted, StateFilter(*CampaignStates.__states__), CampaignChoice.filter(F.step == CampaignStep.ABORT)
    )
