"""A member's value card, as staff see it: who they are, what they hold, what they bought lately.

One frozen dataclass built by one function, so that later features add their fields (segment, RFM, favourites...)
in one place and every screen that shows the card gets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import DomainError, MemberForgotten, UnknownMember
from models.core.programme import Programme, Tier
from models.core.uow import writing
from models.members import lookup
from models.members.cards import CardSigner
from models.members.registry import Member, mask_phone
from models.points import ledger
from models.points.purchases import Purchase
from models.team import audit
from models.team.staff import Actor, Role
from models.till.insights import Insights, member_insights

RECENT_PURCHASES = 5


@dataclass(frozen=True)
class PurchaseLine:
    at: datetime
    amount_cents: int
    category: str | None
    receipt: str | None
    refunded: bool


@dataclass(frozen=True)
class MemberCard:
    number: int
    name: str | None
    phone: str | None  # masked unless the viewer is an owner
    balance: int  # the points the member can spend now
    tier: Tier
    joined_at: datetime
    lifetime_spend_cents: int
    purchases: int
    last_purchases: tuple[PurchaseLine, ...]
    insights: Insights | None = None  # segment, RFM, rhythm, favourites, coupons (models.till.insights)


async def value_card(
    session: AsyncSession, programme: Programme, cards: CardSigner, viewer: Actor, *, member: str, now: datetime
) -> MemberCard:
    """The card of the member `member` names (number, phone or card code); the look-up is audited."""
    await writing(session)
    try:
        row = await session.get_one(Member, await lookup.member_id(session, member, cards, now))
    except NoResultFound:
        raise UnknownMember(member=member) from None
    except DomainError:
        raise
    if row.forgotten_at is not None:
        raise MemberForgotten()
    member_id = row.id
    spend, count = (
        await session.execute(
            select(func.coalesce(func.sum(Purchase.amount_cents), 0), func.count()).where(
                Purchase.member_id == member_id, Purchase.refunded_at.is_(None)
            )
        )
    ).one()
    recent = await session.scalars(
        select(Purchase).where(Purchase.member_id == member_id).order_by(Purchase.id.desc()).limit(RECENT_PURCHASES)
    )
    insights = await member_insights(session, member_id, now)
    card = MemberCard(
        number=row.id,
        name=row.first_name,
        phone=row.phone if viewer.role is Role.OWNER else mask_phone(row.phone),
        balance=await ledger.points(session, member_id, now),
        tier=programme.tier(row.tier),
        joined_at=row.joined_at,
        lifetime_spend_cents=int(spend),
        purchases=int(count),
        last_purchases=tuple(
            PurchaseLine(p.created_at, p.amount_cents, p.category, p.receipt, p.refunded_at is not None) for p in recent
        ),
        insights=insights,
    )
    await audit.record(session, viewer, "member.view", now=now, member_id=member_id)
    return card
