"""The console's dashboard: the programme's figures for a period of business days, in one read-only pass (the
effects of the period's campaigns come from `models.campaigns.effect.period_effects`).

Everything is counted in the database with set-based queries over indexed columns (members by `joined_at`, sales
and ledger entries by `created_at`), and days are the business's days (see `models.core.portable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from models.analytics.member_stats import MemberStats
from models.core import clock
from models.core.portable import DAY, EPOCH_DAY, day_number, epoch_seconds, local_seconds
from models.core.programme import Programme
from models.members.registry import Member
from models.points.ledger import LedgerEntry
from models.points.purchases import Purchase

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
    return (
        clock.from_local(programme, datetime.combine(first, time())),
        clock.from_local(programme, datetime.combine(last + timedelta(days=1), time())),
    )


def _local_day(column: InstrumentedAttribute[datetime], programme: Programme, now: datetime) -> ColumnElement[int]:
    return local_seconds(epoch_seconds(column), clock.zone(programme), now) // DAY


async def _members_per_week(
    session: AsyncSession, programme: Programme, first: date, last: date, now: datetime
) -> list[WeekMembers]:
    """Members who had joined by the end of each week (those who left since included: they were members then), and
    those who joined in it; index ranges of `joined_at` only."""
    monday = first - timedelta(days=first.weekday())
    start, end = bounds(programme, monday, last)
    before = int(await session.scalar(select(func.count()).where(Member.joined_at < start)) or 0)
    day = _local_day(Member.joined_at, programme, now)
    joined: dict[int, int] = dict(
        (
            await session.execute(
                select(day, func.count()).where(Member.joined_at >= start, Member.joined_at < end).group_by(day)
            )
        ).all()
    )
    weeks: list[WeekMembers] = []
    total = before
    week = monday
    while week <= last:
        new = sum(int(joined.get(day_number(week + timedelta(days=n)), 0)) for n in range(7))
        total += new
        weeks.append(WeekMembers(week, total, new))
        week += timedelta(days=7)
    return weeks


async def _sales_per_day(
    session: AsyncSession, programme: Programme, start: datetime, end: datetime, now: datetime
) -> list[DaySales]:
    """Sales per business day and branch (one branch, None, for a programme without branches)."""
    day = _local_day(Purchase.created_at, programme, now)
    rows = await session.execute(
        select(day, Purchase.branch, func.sum(Purchase.amount_cents), func.count())
        .where(Purchase.created_at >= start, Purchase.created_at < end, Purchase.refunded_at.is_(None))
        .group_by(day, Purchase.branch)
        .order_by(day, Purchase.branch)
    )
    return [DaySales(EPOCH_DAY + timedelta(days=int(n)), b, int(s), int(c)) for n, b, s, c in rows]


async def population(session: AsyncSession) -> Population:
    """The figures of the whole programme now, whatever the period: each a pass over a whole table or index, so
    the console keeps them for a little while (see `handlers.console.figures`)."""
    members, outstanding = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Member.balance), 0)).where(Member.forgotten_at.is_(None))
        )
    ).one()
    # Erasing a member erases their stats row, so the segment index alone counts current members.
    segments = await session.execute(
        select(MemberStats.segment, func.count()).group_by(MemberStats.segment).order_by(func.count().desc())
    )
    return Population(int(members), int(outstanding), [(str(name), int(count)) for name, count in segments])


async def dashboard(
    session: AsyncSession, programme: Programme, everyone: Population, first: date, last: date, now: datetime
) -> Dashboard:
    """The figures for the business days `first` to `last`, both included, against the programme's population."""
    start, end = bounds(programme, first, last)
    in_period = (Purchase.created_at >= start, Purchase.created_at < end, Purchase.refunded_at.is_(None))
    buyers = await session.scalar(select(func.count(func.distinct(Purchase.member_id))).where(*in_period))
    issued, redeemed = (
        await session.execute(
            select(
                func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.amount > 0), 0),
                func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.kind == "redeem"), 0),
            ).where(LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
        )
    ).one()
    return Dashboard(
        first=first,
        last=last,
        members_per_week=await _members_per_week(session, programme, first, last, now),
        active_share=int(buyers or 0) / everyone.members if everyone.members else 0.0,
        points_outstanding=everyone.points_outstanding,
        redemption_rate=-int(redeemed) / int(issued) if issued else 0.0,
        segments=everyone.segments,
        sales_per_day=await _sales_per_day(session, programme, start, end, now),
    )
