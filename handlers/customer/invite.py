"""/invite: the member's referral link and what their invitations have brought so far."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.customer.card import deep_link
from handlers.customer.enrolment import REFERRAL_PREFIX
from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from models.core.programme import Programme
from models.members.registry import MemberView
from models.membership.invitations import invitations


async def show_invite(
    message: Message, bot: Bot, t: Translator, member: MemberView, session: AsyncSession, programme: Programme
) -> None:
    sent = await invitations(session, member.id)
    link = await deep_link(bot, f"{REFERRAL_PREFIX}{sent.code}")
    bonuses = programme.bonuses
    lines = [t("invite-link", link=link, inviter=bonuses.referral_inviter, invitee=bonuses.referral_invitee)]
    if sent.joined:
        lines.append(t("invite-progress", joined=sent.joined, rewarded=sent.rewarded, points=sent.points_earned))
    await message.answer("\n\n".join(lines))


def router(texts: Texts) -> Router:
    router = Router(name="invite")
    router.message.filter(IsMember())
    router.message.register(show_invite, Command("invite"))
    router.message.register(show_invite, F.text.in_(texts.variants("menu-invite")))
    return router
