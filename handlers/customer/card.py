"""The member card: a QR code of a short-lived signed link that opens the member's panel for a cashier."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from handlers.filters import IsMember
from handlers.i18n import Texts, Translator
from handlers.images import qr_png
from models.core.base import utcnow
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.members.registry import MemberView


async def deep_link(bot: Bot, payload: str) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={payload}"


async def show_card(message: Message, bot: Bot, t: Translator, member: MemberView, cards: CardSigner) -> None:
    link = await deep_link(bot, cards.issue(member.id, utcnow()))
    await message.answer_photo(
        BufferedInputFile(qr_png(link), filename="card.png"),
        caption=t(
            "card-caption", number=shown(member.id), points=member.balance, minutes=int(cards.ttl.total_seconds() // 60)
        ),
    )


def router(texts: Texts) -> Router:
    router = Router(name="card")
    router.message.filter(IsMember())
    router.message.register(show_card, Command("card"))
    router.message.register(show_card, F.text.in_(texts.variants("menu-card")))
    return router
