"""/start staff_<token>: whoever opens an owner's invitation link is asked to confirm, then becomes staff."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import StaffInvitationAnswer
from handlers.i18n import Texts, Translator
from handlers.staff.appointments import publish_menu
from models.core.base import utcnow
from models.core.programme import Programme
from models.team import invitations


async def show_invitation(
    message: Message, command: CommandObject, t: Translator, session: AsyncSession, programme: Programme
) -> None:
    token = invitations.token_of(command.args or "") or ""
    invitation = await invitations.open_invitation(session, token, utcnow())
    role = invitation.role.value
    button = InlineKeyboardButton(
        text=t.raw("staff-invitation-accept", role=role), callback_data=StaffInvitationAnswer(token=token).pack()
    )
    await message.answer(
        t("staff-invitation", programme=programme.name, role=role),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )


async def accept_invitation(
    query: CallbackQuery,
    callback_data: StaffInvitationAnswer,
    bot: Bot,
    texts: Texts,
    t: Translator,
    session: AsyncSession,
    programme: Programme,
    owners: frozenset[int],
    console_url: str | None,
) -> None:
    person = await invitations.accept(
        session, programme, token=callback_data.token, user_id=query.from_user.id, owners=owners, now=utcnow()
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("staff-invitation-joined", role=person.role.value, programme=programme.name))
    await publish_menu(bot, texts, person, console_url)


def router(texts: Texts) -> Router:
    router = Router(name="staff-invitations")
    router.message.register(
        show_invitation, CommandStart(deep_link=True, magic=F.args.startswith(invitations.PAYLOAD_PREFIX))
    )
    router.callback_query.register(accept_invitation, StaffInvitationAnswer.filter())
    return router
