"""Cashiers' limits at the till: the largest single sale and the points moved per business day.

The points a staff member moved today are kept in a small counter table (`staff_days`), updated in the same
transaction as the entries, so checking a limit costs one indexed read however busy the till has been.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, Insert, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core import outbox
from models.core.base import Base, table_of
from models.core.errors import LimitExceeded
from models.core.portable import dialect_insert, dialect_of
from models.core.programme import Programme
from models.core.sqlite_trips import write_later, write_with_next
from models.core.uow import writing
from models.team import audit
from models.team.branches import day_at
from models.team.staff import Actor, Limits, Role, StaffMember, limits_from


class StaffDay(Base):
    """Points one staff member awarded or redeemed on one business day."""

    __tablename__ = "staff_days"
    __table_args__ = (CheckConstraint("points >= 0", name="points_nonnegative"),)

    staff_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int]


@functools.cache
def _hold_cashiers(dialect: str) -> Select[int, int | None, int | None, str | None, int]:
    """Each cashier's own limits and branch with today's counter, both rows held, so that one cashier's tills take
    turns and each reads the counter as the one before left it (on PostgreSQL a row read FOR UPDATE is re-read once
    its lock is granted; a row merely joined is not, so a sale and a redemption racing could both pass on the same
    old count).

    PostgreSQL cannot lock the missing side of an outer join, so there today's counters are created first
    (`_open_days`) and joined inwards. SQLite holds no rows, the IMMEDIATE transaction makes every writer wait its
    turn, so there the counter is joined outwards (a cashier with none yet has moved no points today), which spares
    every batch of sales a statement. Built once per dialect, as it is read for every batch, on the tables' columns so
    that it runs as Core (see `models.points.ledger.entries`).
    """
    staff, days = table_of(StaffMember), table_of(StaffDay)
    today = (days.c.staff_id == staff.c.telegram_id) & (days.c.day == bindparam("day"))
    query = select(staff.c.telegram_id, staff.c.max_sale_cents, staff.c.points_per_day, staff.c.branch, days.c.points)
    query = query.outerjoin(days, today) if dialect == "sqlite" else query.join(days, today)
    return (
        query.where(staff.c.telegram_id.in_(bindparam("cashiers", expanding=True)))
        .order_by(staff.c.telegram_id)
        .with_for_update(of=(staff, days))
    )


@functools.cache
def _open_days(dialect: str) -> Insert:
    """Today's counters of these cashiers, created at zero where missing, so that there is a row to hold."""
    return dialect_insert(dialect, table_of(StaffDay)).on_conflict_do_nothing(
        index_elements=[StaffDay.staff_id, StaffDay.day]
    )


@functools.cache
def _add_points(dialect: str) -> Insert:
    """Today's new points added to the counters: an upsert, so that a counter created meanwhile is added to."""
    statement = dialect_insert(dialect, table_of(StaffDay))
    return write_with_next(statement).on_conflict_do_update(
        index_elements=[StaffDay.staff_id, StaffDay.day], set_={"points": StaffDay.points + statement.excluded.points}
    )


def breach_trail(actor: Actor, breach: LimitExceeded, now: datetime) -> tuple[dict[str, object], outbox.Message]:
    """What a refused attempt past a limit leaves: a line in the audit trail, and an alert to every owner."""
    detail = " ".join(f"{name}={value}" for name, value in breach.details.items())
    alert = outbox.Message(outbox.OWNERS, outbox.LIMIT_BREACH, {"cashier": actor.telegram_id, **breach.details})
    return audit.line(actor, "limit.breach", now=now, detail=detail), alert


def keep_breach(breach: LimitExceeded, actor: Actor, now: datetime) -> LimitExceeded:
    """The breach, carrying its trail for the unit of work to write once the refused action is rolled back."""

    async def trail(session: AsyncSession) -> None:
        await writing(session)
        line, alert = breach_trail(actor, breach, now)
        await session.execute(audit.ADD, line)
        await outbox.post(session, [alert], now)

    breach.trail = trail
    return breach


class Tally:
    """Limits and today's points of the staff acting in one transaction, kept current as they act."""

    def __init__(self, days: dict[int, date], limits: dict[int, Limits], used: dict[int, int]) -> None:
        self._days = days
        self._limits = limits
        self._used = used
        self._added: dict[int, int] = {}

    @classmethod
    async def load(cls, session: AsyncSession, programme: Programme, actors: Iterable[Actor], now: datetime) -> Tally:
        """Read the limits of these staff and what they have used today, holding their counters (PostgreSQL).

        `actors` carry their branch (`models.team.staff.placed`) where the programme has branches: a cashier's
        limits are their branch's unless set for them, and their day is the business day at their branch.
        """
        days: dict[date, list[int]] = {}
        at_branch: dict[str | None, date] = {}  # a batch's cashiers work at a few branches
        for actor in {actor.telegram_id: actor for actor in actors if actor.role is Role.CASHIER}.values():
            if actor.branch not in at_branch:
                at_branch[actor.branch] = day_at(programme, actor.branch, now)
            days.setdefault(at_branch[actor.branch], []).append(actor.telegram_id)
        limits: dict[int, Limits] = {}
        used: dict[int, int] = {}
        dialect = dialect_of(session)
        for day, cashiers in sorted(days.items()):
            if dialect != "sqlite":  # see `_hold_cashiers`
                opened = [{"staff_id": cashier, "day": day, "points": 0} for cashier in sorted(cashiers)]
                await session.execute(_open_days(dialect), opened)
            rows = await session.execute(_hold_cashiers(dialect), {"cashiers": sorted(cashiers), "day": day})
            own = {}
            for telegram_id, max_sale_cents, points_per_day, branch, points in rows:
                own[telegram_id] = (max_sale_cents, points_per_day, branch)
                used[telegram_id] = points or 0
            limits |= {cashier: limits_from(programme, Role.CASHIER, *own.get(cashier, ())) for cashier in cashiers}
        return cls({cashier: day for day, cashiers in days.items() for cashier in cashiers}, limits, used)

    def limits_of(self, actor: Actor) -> Limits | None:
        """The staff member's limits; None for those who have none (admins and owners)."""
        return self._limits.get(actor.telegram_id)

    def check(self, actor: Actor, *, points: int, amount_cents: int | None = None, asked: str = "") -> None:
        """Refuse what would take the staff member past a limit; LimitExceeded names which."""
        limits = self._limits.get(actor.telegram_id)
        if limits is None:
            return
        if amount_cents is not None and limits.max_sale_cents is not None and amount_cents > limits.max_sale_cents:
            raise LimitExceeded(limit="max_sale", allowed=limits.max_sale_cents // 100, asked=asked)
        used = self._used.get(actor.telegram_id, 0)
        if limits.points_per_day is not None and points and used + points > limits.points_per_day:
            raise LimitExceeded(limit="points_per_day", allowed=limits.points_per_day, used=used, asked=points)

    def add(self, actor: Actor, points: int) -> None:
        if actor.telegram_id in self._limits and points:
            self._used[actor.telegram_id] = self._used.get(actor.telegram_id, 0) + points
            self._added[actor.telegram_id] = self._added.get(actor.telegram_id, 0) + points

    async def write(self, session: AsyncSession) -> None:
        """Add today's new points to the counters (an upsert, so a counter created meanwhile is added to)."""
        if not self._added:
            return
        await write_later(
            session,
            _add_points(dialect_of(session)),
            [{"staff_id": staff, "day": self._days[staff], "points": points} for staff, points in self._added.items()],
        )
        self._added = {}
