"""What the analytics say about one member, for the staff value card: segment, RFM, rhythm, favourites, coupons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.member_stats import MemberFavourite, MemberStats
from models.offers.collections import badges_of
from models.offers.coupons import CouponView, live_coupons


@dataclass(frozen=True)
class Insights:
    segment: str
    r: int
    f: int
    m: int
    usual_weekdays: tuple[int, ...]
    usual_hours: tuple[int, ...]  # first hours of three-hour slots
    favourites: tuple[str, ...]
    expected_next_visit: date | None
    discount_share: float
    best_offer: str | None
    coupons: tuple[CouponView, ...]
    badges: tuple[str, ...]


async def member_insights(session: AsyncSession, member_id: int, now: datetime) -> Insights | None:
    """The member's analytics as last computed; None before they have been computed at all."""
    stats = await session.scalar(select(MemberStats).where(MemberStats.member_id == member_id))
    if stats is None:
        return None
    favourites = await session.scalars(
        select(MemberFavourite.category).where(MemberFavourite.member_id == member_id).order_by(MemberFavourite.rank)
    )
    return Insights(
        segment=stats.segment,
        r=stats.r_score,
        f=stats.f_score,
        m=stats.m_score,
        usual_weekdays=tuple(stats.usual_weekdays),
        usual_hours=tuple(stats.usual_hours),
        favourites=tuple(favourites),
        expected_next_visit=stats.expected_next_visit,
        discount_share=stats.discount_share,
        best_offer=stats.best_offer,
        coupons=tuple(await live_coupons(session, member_id, now)),
        badges=tuple(await badges_of(session, member_id)),
    )
