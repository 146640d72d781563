"""The member panel's buttons: "Sale", "Redeem" and "Pay with points" ask for the amount, and the next message
records it (a sale paid with points after the cashier confirms its quote)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ForceReply, Message

from handlers.callbacks import PanelAction, PanelButton
from handlers.filters import HasRole
from handlers.i18n import Texts, Translator
from handlers.member_panel import panel_is_stale
from handlers.staff.till import Till, TillMiddleware, actor_of, read_sale
from handlers.states import TillStates
from models.core.amounts import AMOUNT_EXAMPLE, PAY_MAX
from models.core.base import utcnow
from models.core.programme import Programme
from models.members.numbers import shown
from models.team.staff import Role
from models.till.payment import share_percent
from models.till.sales import source_of


def ask(t: Translator, programme: Programme, action: str, member: str) -> str:
    """The panel's question for its button."""
    if action == PanelAction.REDEEM.value:
        return t("panel-ask-redeem", number=member)
    if action == PanelAction.PAY.value:
        return t("panel-ask-pay", number=member, example=AMOUNT_EXAMPLE, share=share_percent(programme))
    return t("panel-ask-sale", number=member, example=AMOUNT_EXAMPLE)


async def panel_pressed(
    query: CallbackQuery, callback_data: PanelButton, t: Translator, state: FSMContext, programme: Programme
) -> None:
    if panel_is_stale(callback_data, utcnow()) or not isinstance(query.message, Message):
        await query.answer(t.raw("panel-stale"), show_alert=True)
        return
    await query.answer()
    member = shown(callback_data.member)
    question = await query.message.answer(
        ask(t, programme, callback_data.action.value, member), reply_markup=ForceReply(selective=True)
    )
    await state.set_state(TillStates.amount)
    await state.update_data(member=member, action=callback_data.action.value, question=question.message_id)


async def amount_typed(message: Message, state: FSMContext, role: Role, till: Till) -> None:
    """The answer to a panel's question, recorded once per question (its source is the question, not the answer):
    the question stays open, so a refusal can be typed again and an answer sent twice is told it was recorded."""
    asked = await state.get_data()  # the member as the cashier would type them, check digit and all
    member, action = str(asked.get("member", "")), asked.get("action")
    source = source_of("ask", message.chat.id, int(asked.get("question", message.message_id)))
    t = till.t
    actor = actor_of(message, role)
    words = (message.text or "").split()
    if action == PanelAction.REDEEM.value:
        if len(words) != 1:
            await message.answer(ask(t, till.programme, str(action), member))
            return
        await till.redeem(message, actor, member, words[0], source)
    else:
        sale = read_sale(words, pay=PAY_MAX if action == PanelAction.PAY.value else None)
        if sale is None:
            await message.answer(ask(t, till.programme, str(action), member))
            return
        await till.sell(message, actor, member, sale, source)


def router(texts: Texts) -> Router:
    router = Router(name="panel")
    router.message.filter(HasRole(Role.CASHIER))
    router.callback_query.filter(HasRole(Role.CASHIER))
    router.message.middleware(TillMiddleware())
    router.callback_query.register(panel_pressed, PanelButton.filter())
    router.message.register(amount_typed, TillStates.amount, F.text, ~F.text.startswith("/"))
    return router
