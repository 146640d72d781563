"""Points and what they are worth at the till, tier, the way to the next tier, the next lot to expire, stamp cards."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import IsMember
from handlers.formatting import money
from handlers.i18n import Texts, Translator
from handlers.notices import perks
from handlers.till_lines import stamp_lines, worth_line
from models.core.base import utcnow
from models.core.clock import business_day
from models.core.programme import Programme
from models.members.registry import MemberView
from models.points.standing import standing
from models.till import stamps


async def show_balance(
    message: Message, t: Translator, member: MemberView, session: AsyncSession, programme: Programme
) -> None:
    now = utcnow()
    summary = await standing(session, programme, member.id, now)
    lines = [t("balance-points", points=summary.points), *worth_line(t, programme, summary.points)]
    lines.append(t("balance-tier", tier=summary.tier.title.in_(t.language)))
    if summary.tier.perks:
        lines.append(t("balance-perks", perks=perks(t, summary.tier)))
    if summary.next_tier is not None:
        lines.append(
            t(
                "balance-next-tier",
                tier=summary.next_tier.title.in_(t.language),
                amount=money(summary.to_next_cents),
                currency=programme.currency,
            )
        )
        added = [perk for perk in summary.next_tier.perks if perk not in summary.tier.perks]
        if added:
            next_title = summary.next_tier.title.in_(t.language)
            lines.append(t("balance-next-perks", tier=next_title, perks=", ".join(p.in_(t.language) for p in added)))
    else:
        lines.append(t("balance-top-tier"))
    if summary.next_expiry is not None:
        lines.append(
            t(
                "balance-next-expiry",
                points=summary.next_expiry.remaining,
                date=business_day(programme, summary.next_expiry.expires_at),
            )
        )
    cards = await stamps.progress_of(session, programme, member.id)
    lines += stamp_lines(t, programme, ((card.card.id, card.have) for card in cards))
    await message.answer("\n".join(lines))


def router(texts: Texts) -> Router:
    router = Router(name="balance")
    router.message.filter(IsMember())
    router.message.register(show_balance, Command("balance"))
    router.message.register(show_balance, F.text.in_(texts.variants("menu-balance")))
    return router
