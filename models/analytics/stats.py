"""Programme figures for managers: members, points in and out, sales, segments, over a recent window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.member_stats import MemberStats
from models.members.registry import Member
from models.points.ledger import SPENDING_KINDS, LedgerEntry
from models.points.purchases import Purchase

WINDOW_DAYS = 30


@dataclass(frozen=True)
class ProgrammeFigures:
    members: int
    joined_recently: int
    marketing_consent: int
    active_buyers: int
    points_outstanding: int
    points_issued: int
    points_redeemed: int
    points_expired: int
    sales: int
    revenue_cents: int
    segments: tuple[tuple[str, int], ...]

    @property
    def average_check_cents(self) -> int:
        return self.revenue_cents // self.sales if self.sales else 0


async def programme_figures(session: AsyncSession, now: datetime, days: int = WINDOW_DAYS) -> ProgrammeFigures:
    since = now - timedelta(days=days)
    current = Member.forgotten_at.is_(None)
    members = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(Member.joined_at >= since),
                func.count().filter(Member.marketing_consent.is_(True)),
                func.coalesce(func.sum(Member.balance), 0),
            ).where(current)
        )
    ).one()
    points = (
        await session.execute(
            select(
                func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.amount > 0), 0),
                func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.kind.in_(SPENDING_KINDS)), 0),
                func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.kind == "expire"), 0),
            ).where(LedgerEntry.created_at >= since)
        )
    ).one()
    sales = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Purchase.amount_cents), 0),
                func.count(func.distinct(Purchase.member_id)),
            ).where(Purchase.created_at >= since, Purchase.refunded_at.is_(None))
        )
    ).one()
    segments = await session.execute(
        select(MemberStats.segment, func.count())
        .join(Member, Member.id == MemberStats.member_id)
        .where(current)
        .group_by(MemberStats.segment)
        .order_by(func.count().desc())
    )
    return ProgrammeFigures(
        members=int(members[0]),
        joined_recently=int(members[1]),
        marketing_consent=int(members[2]),
        active_buyers=int(sales[2]),
        points_outstanding=int(members[3]),
        points_issued=int(points[0]),
        points_redeemed=-int(points[1]),
        points_expired=-int(points[2]),
        sales=int(sales[0]),
        revenue_cents=int(sales[1]),
        segments=tuple((str(name), int(count)) for name, count in segments),
    )


@dataclass(frozen=True)
class BranchFigures:
    """One branch's figures over the window: its sales not refunded, and the points its staff gave and took."""

    branch: str | None  # None: sales and entries made by staff of no branch (owners, admins who work everywhere)
    sales: int
    revenue_cents: int
    points_issued: int
    points_redeemed: int


async def branch_figures(session: AsyncSession, now: datetime, days: int = WINDOW_DAYS) -> list[BranchFigures]:
    """The figures of every branch that sold or moved points in the window, by branch id (no branch last)."""
    since = now - timedelta(days=days)
    sales = await session.execute(
        select(Purchase.branch, func.count(), func.coalesce(func.sum(Purchase.amount_cents), 0))
        .where(Purchase.created_at >= since, Purchase.refunded_at.is_(None))
        .group_by(Purchase.branch)
    )
    points = await session.execute(
        select(
            LedgerEntry.branch,
            func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.amount > 0), 0),
            func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.kind.in_(SPENDING_KINDS)), 0),
        )
        .where(LedgerEntry.created_at >= since, LedgerEntry.actor_id.is_not(None))
        .group_by(LedgerEntry.branch)
    )
    sold = {branch: (int(count), int(revenue)) for branch, count, revenue in sales}
    moved = {branch: (int(issued), -int(redeemed)) for branch, issued, redeemed in points}
    branches = sorted(sold.keys() | moved.keys(), key=lambda branch: (branch is None, branch or ""))
    return [BranchFigures(b, *sold.get(b, (0, 0)), *moved.get(b, (0, 0))) for b in branches]
