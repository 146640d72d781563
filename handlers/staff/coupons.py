"""Using a member's coupon at the till: `/redeem <coupon-code>` or `/redeem <member> <coupon-code>`."""

from __future__ import annotations

from aiogram.types import Message

from handlers.i18n import Translator
from handlers.staff.till import Till
from models.core.base import utcnow
from models.members.numbers import shown
from models.offers.coupons import Redeemed, redeem_coupon
from models.team.staff import Actor


def redeemed_text(t: Translator, used: Redeemed) -> str:
    title = used.offer.title.in_(t.language) if used.offer else used.coupon.offer_id
    lines = [t("coupon-redeemed", code=used.coupon.shown_code, title=title, number=shown(used.coupon.member_id))]
    if used.offer is not None and used.offer.discount_percent:
        lines.append(t("coupon-redeemed-discount", percent=used.offer.discount_percent))
    if used.gift_points:
        lines.append(t("coupon-redeemed-birthday", points=used.gift_points))
    return "\n".join(lines)


async def use_coupon(message: Message, till: Till, actor: Actor, code: str, member: str | None = None) -> None:
    used = await redeem_coupon(till.session, till.programme, till.cards, actor, code, now=utcnow(), member=member)
    await message.answer(redeemed_text(till.t, used))
