"""The console's dashboard: the programme's figures for a period of business days (the effects of the period's
campaigns come from `models.campaigns.effect.period_effects`).

Closed days are read from their stored figures (`models.analytics.days`: counted once, read-through or by the
nightly job) and the open ones counted live, so a period costs a few small reads whatever the programme's size; the
whole programme's members and points outstanding are the sums of every day's, less the erased members (a small
partial index). Days are the business's days (see `models.core.portable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.days import period_days, span, totals_before
from models.analytics.segments import segment_sizes
from models.core import clock
from models.core.programme import Programme
from models.members.registry import Member

MAX_DAYS = 366  # the longest period one request may ask for


@dataclass(frozen=True)
class WeekMembers:
    week: date  # its Monday
    members: int  # at the end of the week
    new: int


@dataclass(frozen=True)
class DaySales:
    day: date
    branch: str | None
    amount_cents: int
    count: int


@dataclass(frozen=True)
class Population:
    members: int  # current (not erased)
    points_outstanding: int
    segments: list[tuple[str, int]]  # largest first


@dataclass(frozen=True)
class Dashboard:
    first: date
    last: date
    members_per_week: list[WeekMembers]
    active_share: float
    points_outstanding: int
    redemption_rate: float
    segments: list[tuple[str, int]]
    sales_per_day: list[DaySales]


def bounds(programme: Programme, first: date, last: date) -> tuple[datetime, datetime]:
    """The instants a period of business days covers: from the first day's midnight to the midnight after the last."""
    return span(programme, first, last)


async def population(session: AsyncSession, programme: Programme, now: datetime) -> Population:
    """The figures of the whole programme now, whatever the period: every day's new members and points summed, the
    erased members counted from their partial index, segments from theirs."""
    tomorrow = clock.business_day(programme, now) + timedelta(days=1)
    joined, outstanding = await totals_before(session, programme, tomorrow, now)
    erased = await session.scalar(select(func.count()).where(Member.forgotten_at.is_not(None))) or 0
    # Erasing a member erases their stats row, so the segments count current members only.
    return Population(joined - int(erased), outstanding, await segment_sizes(session))


async def dashboard(
    session: AsyncSession, programme: Programme, everyone: Population, first: date, last: date, now: datetime
) -> Dashboard:
    """The figures for the business days `first` to `last`, both included, against the programme's population."""
    monday = first - timedelta(days=first.weekday())
    days = await period_days(session, programme, monday, last, now)
    total = (await totals_before(session, programme, monday, now))[0]
    weeks = []
    for n in range(0, len(days), 7):
        new = sum(d.new_members for d in days[n : n + 7])
        total += new
        weeks.append(WeekMembers(days[n].day, total, new))
    period = [d for d in days if d.day >= first]
    buyers = 0
    for d in period:
        buyers |= d.buyers
    issued = sum(d.points_issued for d in period)
    redeemed = sum(d.points_redeemed for d in period)
    return Dashboard(
        first=first,
        last=last,
        members_per_week=weeks,
        active_share=buyers.bit_count() / everyone.members if everyone.members else 0.0,
        points_outstanding=everyone.points_outstanding,
        redemption_rate=redeemed / issued if issued else 0.0,
        segments=everyone.segments,
        sales_per_day=[
            DaySales(d.day, branch, amount, count)
            for d in period
            for branch, (count, amount) in sorted(d.sales.items(), key=lambda sold: (sold[0] is not None, sold[0]))
        ],
    )
