"""The member card: a QR code of a short-lived signed link that opens the member's panel for a cashier, with the
points (and what they are worth) and the stamp cards in its caption."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from handlers.images import qr_png
from handlers.till_lines import stamp_lines, worth_line
from models.core.base import utcnow
from models.core.programme import Programme
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.members.registry import MemberView
from models.till import stamps


async def deep_link(bot: Bot, payload: str) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={payload}"


async def show_card(
    message: Message,
    bot: Bot,
    t: Translator,
    member: MemberView,
    cards: CardSigner,
    session: AsyncSession,
    programme: Programme,
) -> None:
    link = await deep_link(bot, cards.issue(member.id, utcnow()))
    minutes = int(cards.ttl.total_seconds() // 60)
    lines = [t("card-caption", number=shown(member.id), points=member.balance, minutes=minutes)]
    lines += worth_line(t, programme, member.balance)
    progress = await stamps.progress_of(session, programme, member.id)
    lines += stamp_lines(t, programme, ((card.card.id, card.have) for card in progress))
    await message.answer_photo(BufferedInputFile(qr_png(link), filename="card.png"), caption="\n".join(lines))


def router(texts: Texts) -> Router:
    router = Router(name="card")
    router.message.filter(IsMember())
    router.message.register(show_card, Command("card"))
    router.message.register(show_card, F.text.in_(texts.variants("menu-card")))
    return router
