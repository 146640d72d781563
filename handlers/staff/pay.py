"""The cashier's Confirm or Cancel under a quote of a sale paid partly with points (see `handlers.staff.till`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.callbacks import PayAnswer
from handlers.filters import HasRole
from handlers.i18n import Texts
from handlers.staff.till import SaleWords, Till, TillMiddleware
from models.team.staff import Actor, Role
from models.till.sales import source_of


async def pay_answered(
    query: CallbackQuery, callback_data: PayAnswer, state: FSMContext, role: Role, till: Till
) -> None:
    """Record the quoted sale, once per quote (its source is the quote: a double tap is told it was recorded), or
    drop the quote. A button under any other message than the open quote is stale."""
    quoted = (await state.get_data()).get("pay")
    message = query.message
    if not isinstance(message, Message) or not quoted or quoted["quote"] != message.message_id:
        await query.answer(till.t.raw("pay-stale"), show_alert=True)
        return
    if not callback_data.confirm:
        await state.update_data(pay=None)
        await query.answer()
        await message.answer(till.t("pay-cancelled"))
        return
    words = SaleWords(quoted["amount"], quoted["category"], quoted["receipt"], quoted["quantity"])
    source = source_of("pay", message.chat.id, message.message_id)
    actor = Actor(query.from_user.id, role)
    await till.sale(message, actor, quoted["member"], words, source, pay_points=quoted["points"])
    await query.answer()


def router(texts: Texts) -> Router:
    router = Router(name="pay")
    router.callback_query.filter(HasRole(Role.CASHIER))
    router.callback_query.middleware(TillMiddleware())
    router.callback_query.register(pay_answered, PayAnswer.filter())
    return router
