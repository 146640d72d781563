"""Member facts: what the offer ranking may know of a member, loaded for one member or a range of them at once."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.member_stats import MemberFavourite, MemberStats
from models.analytics.scoring import segment_of
from models.core.portable import day_number
from models.core.programme import Programme
from models.members.registry import Member
from models.offers.collections import Badge
from models.offers.coupons import Coupon, count_towards_limits

BIRTHDAY_WEEK_HALF = 3


@dataclass(frozen=True)
class MemberFacts:
    """What is known of one member today; every reason shown to them is built from these alone."""

    member_id: int
    today: date
    segment: str
    r: int
    f: int
    m: int
    recency_days: int | None
    frequency: int
    monetary_cents: int
    tier: str
    balance: int
    favourites: tuple[str, ...] = ()
    usual_weekdays: tuple[int, ...] = ()
    usual_hours: tuple[int, ...] = ()  # first hours of three-hour slots
    discount_share: float = 0.0
    birthday_week: bool = False
    collections: tuple[tuple[str, int], ...] = ()  # collection offer id, items bought
    badges: frozenset[str] = frozenset()
    uses: tuple[tuple[str, int], ...] = ()  # offer id, coupons counting towards its limit

    def progress(self, offer_id: str) -> int:
        return dict(self.collections).get(offer_id, 0)


def birthday_month_days(today: date) -> frozenset[str]:
    """The birthdays ("MM-DD") whose week this is: three days either side, 29 February kept on the 28th."""
    days = [today + timedelta(days=shift) for shift in range(-BIRTHDAY_WEEK_HALF, BIRTHDAY_WEEK_HALF + 1)]
    found = {f"{day:%m-%d}" for day in days}
    if any(day.month == 2 and day.day == 28 and not calendar.isleap(day.year) for day in days):
        found.add("02-29")
    return frozenset(found)


def in_birthday_week(birthday: date | None, today: date) -> bool:
    return birthday is not None and f"{birthday:%m-%d}" in birthday_month_days(today)


async def coupon_uses(
    session: AsyncSession, programme: Programme, first_id: int, last_id: int, now: datetime
) -> dict[int, dict[str, int]]:
    """Per member and offer, the coupons that count towards the offer's per-member limit.

    Counted by the database: reading each coupon's issue time back (370,000 of them for 1,000,000 members) cost
    several times the query.
    """
    rows = await session.execute(
        select(Coupon.member_id, Coupon.offer_id, func.count())
        .where(Coupon.member_id.between(first_id, last_id), count_towards_limits(programme, now))  # type: ignore[arg-type]
        .group_by(Coupon.member_id, Coupon.offer_id)
    )
    uses: dict[int, dict[str, int]] = {}
    for member_id, offer_id, count in rows:
        uses.setdefault(member_id, {})[offer_id] = count
    return uses


def _newcomer(
    member_id: int, today: date, tier: str, balance: int, birthday: date | None, joined_at: datetime
) -> MemberFacts:
    tenure = (today - joined_at.date()).days
    return MemberFacts(
        member_id=member_id,
        today=today,
        segment=segment_of(0, 0, 0, tenure),
        r=0,
        f=0,
        m=0,
        recency_days=None,
        frequency=0,
        monetary_cents=0,
        tier=tier,
        balance=balance,
        birthday_week=in_birthday_week(birthday, today),
    )


async def badges_in(session: AsyncSession, first_id: int, last_id: int) -> dict[int, frozenset[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for member_id, badge in await session.execute(
        select(Badge.member_id, Badge.collection).where(Badge.member_id.between(first_id, last_id))
    ):
        found[member_id].add(badge)
    return {member_id: frozenset(names) for member_id, names in found.items()}


async def load_facts(
    session: AsyncSession, programme: Programme, first_id: int, last_id: int, today: date, now: datetime
) -> dict[int, MemberFacts]:
    """Facts of the current members first_id..last_id that have analytics, keyed by member id."""
    favourites: dict[int, list[str]] = defaultdict(list)
    for member_id, category in await session.execute(
        select(MemberFavourite.member_id, MemberFavourite.category)
        .where(MemberFavourite.member_id.between(first_id, last_id))
        .order_by(MemberFavourite.member_id, MemberFavourite.rank)
    ):
        favourites[member_id].append(category)
    badges = await badges_in(session, first_id, last_id)
    uses = await coupon_uses(session, programme, first_id, last_id, now)
    s = MemberStats
    rows = await session.execute(
        select(
            s.member_id,
            s.segment,
            s.r_score,
            s.f_score,
            s.m_score,
            s.last_purchase_on,
            s.frequency,
            s.monetary_cents,
            s.usual_weekdays,
            s.usual_hours,
            s.discount_share,
            s.collections,
            Member.id,
            Member.tier,
            Member.balance,
            Member.birthday,
            Member.joined_at,
        )
        .select_from(Member)
        .outerjoin(s, s.member_id == Member.id)
        .where(Member.id.between(first_id, last_id), Member.forgotten_at.is_(None))
    )
    today_number = day_number(today)
    facts = {}
    for row in rows:
        member_id = row.id
        if row.member_id is None:  # not computed yet: what joining alone says
            facts[member_id] = _newcomer(member_id, today, row.tier, row.balance, row.birthday, row.joined_at)
            continue
        facts[member_id] = MemberFacts(
            member_id=member_id,
            today=today,
            segment=row.segment,
            r=row.r_score,
            f=row.f_score,
            m=row.m_score,
            recency_days=None if row.last_purchase_on is None else today_number - day_number(row.last_purchase_on),
            frequency=row.frequency,
            monetary_cents=row.monetary_cents,
            tier=row.tier,
            balance=row.balance,
            favourites=tuple(favourites.get(member_id, ())),
            usual_weekdays=tuple(row.usual_weekdays),
            usual_hours=tuple(row.usual_hours),
            discount_share=row.discount_share,
            birthday_week=in_birthday_week(row.birthday, today),
            collections=tuple(sorted(row.collections.items())),
            badges=badges.get(member_id, frozenset()),
            uses=tuple(sorted(uses[member_id].items())) if member_id in uses else (),
        )
    return facts
