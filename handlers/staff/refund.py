"""/refund #<receipt>: reverse a sale; the member keeps points already spent, the balance never goes negative."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers.filters import HasRole
from handlers.formatting import money
from handlers.i18n import Texts, Translator
from handlers.staff.till import actor_of, follow_purchases
from handlers.till_lines import stamp_lines
from models.core.base import utcnow
from models.core.programme import Programme
from models.core.updates import UpdateWork
from models.members.numbers import shown
from models.team.staff import Role
from models.till.refunds import refund


async def refund_command(
    message: Message,
    command: CommandObject,
    role: Role,
    t: Translator,
    work: UpdateWork,
    programme: Programme,
) -> None:
    words = (command.args or "").split()
    if len(words) != 1:
        await message.answer(t("refund-usage"))
        return
    done = await refund(work.session, programme, actor_of(message, role), receipt=words[0], now=utcnow())
    if not done.created:
        await message.answer(t("refund-already", receipt=done.receipt))
        return
    lines = [
        t(
            "refund-done",
            receipt=done.receipt,
            amount=money(done.amount_cents),
            currency=programme.currency,
            number=shown(done.member_id),
            points=done.points_back,
            balance=done.balance,
        )
    ]
    if done.returned:
        lines.append(t("refund-returned", points=done.returned))
    if done.unrecovered:
        lines.append(t("refund-unrecovered", points=done.unrecovered))
    lines += stamp_lines(t, programme, ((taken.progress.card.id, taken.progress.have) for taken in done.stamps))
    if any(taken.withdrawn for taken in done.stamps):
        lines.append(t("refund-stamps-withdrawn"))
    await message.answer("\n".join(lines))
    follow_purchases(work, programme, done.member_id)  # the refunded purchase no longer counts


def router(texts: Texts) -> Router:
    router = Router(name="refund")
    router.message.filter(HasRole(Role.CASHIER))
    router.message.register(refund_command, Command("refund"))
    return router
