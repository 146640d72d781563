"""The member panel staff work from: the member's value card with "Sale" and "Redeem" buttons.

A cashier lands here by scanning a member's card with the phone camera, or with /member.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import PanelAction, PanelButton
from handlers.formatting import money
from handlers.i18n import Translator
from handlers.notices import optional
from handlers.staff.insights import insight_lines
from models.core.base import utcnow
from models.core.clock import business_day
from models.core.programme import Programme
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.team.staff import Actor
from models.till.value_card import MemberCard, value_card

# A panel's buttons work for this long: an old panel left open on a till phone should not record sales.
PANEL_TTL = timedelta(minutes=30)


def panel_stamp(now: datetime) -> int:
    return int(now.timestamp() // 60)


def panel_is_stale(button: PanelButton, now: datetime) -> bool:
    return now.timestamp() // 60 - button.at > PANEL_TTL.total_seconds() // 60


def panel_keyboard(t: Translator, programme: Programme, member_id: int, now: datetime) -> InlineKeyboardMarkup:
    """Sale and Redeem, and Pay with points when points pay bills in this programme."""
    stamp = panel_stamp(now)

    def button(key: str, action: PanelAction) -> InlineKeyboardButton:
        data = PanelButton(action=action, member=member_id, at=stamp).pack()
        return InlineKeyboardButton(text=t.raw(key), callback_data=data)

    rows = [[button("panel-sale", PanelAction.SALE), button("panel-redeem", PanelAction.REDEEM)]]
    if programme.point_value is not None:
        rows.append([button("panel-pay", PanelAction.PAY)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def render_card(t: Translator, programme: Programme, card: MemberCard) -> str:
    currency = programme.currency
    lines = [t("panel-title", number=shown(card.number), name=optional(card.name))]
    if card.phone:
        lines.append(t("panel-phone", phone=card.phone))
    lines.append(t("panel-points", points=card.balance, tier=card.tier.title.in_(t.language)))
    lines.append(t("panel-spend", amount=money(card.lifetime_spend_cents), currency=currency, count=card.purchases))
    lines += insight_lines(t, programme, card.insights)
    if not card.last_purchases:
        lines.append(t("panel-no-purchases"))
        return "\n".join(lines)
    lines.append(t("panel-recent"))
    for line in card.last_purchases:
        category = programme.categories.get(line.category or "")
        lines.append(
            t(
                "panel-purchase",
                date=business_day(programme, line.at),
                amount=money(line.amount_cents),
                currency=currency,
                category=optional(category.in_(t.language) if category else None),
                receipt=optional(line.receipt),
                refunded="yes" if line.refunded else "no",
            )
        )
    return "\n".join(lines)


async def show_member_panel(
    message: Message,
    t: Translator,
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    viewer: Actor,
    member: str,
) -> None:
    """Look the member up (number, phone or card code) and show their card with the till's buttons."""
    now = utcnow()
    card = await value_card(session, programme, cards, viewer, member=member, now=now)
    await message.answer(render_card(t, programme, card), reply_markup=panel_keyboard(t, programme, card.number, now))
