"""Manual adjustments (/adjust): an admin or owner adds or takes away points by hand, with a reason.

The reason is required and reaches the member with the entry (kind `adjust`); a negative adjustment never takes the
balance below zero. Admins may move at most `staff.adjust_points_per_day` points a business day (added and taken away
counted alike, in `adjustment_days`, a counter held for the transaction like the cashiers' `staff_days`); owners set
that limit and are not bound by it. Every adjustment is audited; one refused past the limit leaves its trail too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core import clock
from models.core.base import Base, table_of
from models.core.errors import (
    AdjustmentBelowZero,
    AdjustmentNeedsAdmin,
    AdjustmentNeedsReason,
    BadAdjustment,
    InsufficientPoints,
    LimitExceeded,
    OwnMembership,
)
from models.core.portable import upsert_into
from models.core.programme import Programme
from models.core.uow import writing
from models.members import lookup
from models.members.cards import CardSigner
from models.members.registry import lock_member
from models.points import ledger
from models.team import audit
from models.team.branches import day_at
from models.team.staff import Actor, Role, place
from models.till.limits import keep_breach

KIND = "adjust"
CHANGE = re.compile(r"^([+-])(\d{1,9})$")
REASON_MAX = 120


class AdjustmentDay(Base):
    """Points one admin added or took away by hand on one business day."""

    __tablename__ = "adjustment_days"
    __table_args__ = (CheckConstraint("points >= 0", name="points_nonnegative"),)

    staff_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int]


@dataclass(frozen=True)
class Adjustment:
    created: bool
    member_id: int
    points: int  # signed: what the balance moved by
    reason: str
    balance: int
    notices: tuple[ledger.Notice, ...]


def parse_change(text: str) -> int:
    """`+50` or `-50` as a signed number of points; the sign is required, so that the direction is never a guess."""
    found = CHANGE.match(text.strip())
    if found is None or int(found.group(2)) == 0:
        raise BadAdjustment(given=text)
    return int(found.group(2)) * (1 if found.group(1) == "+" else -1)


def parse_reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason or len(reason) > REASON_MAX:
        raise AdjustmentNeedsReason(max=REASON_MAX)
    return reason


async def adjust(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    *,
    member: str,
    change: str,
    reason: str,
    source: str,
    now: datetime,
) -> Adjustment:
    """Add or take away points by hand, once per `source` (`models.till.sales.source_of`), announced to the member
    with the reason and audited. Refused for cashiers, without a reason, below a zero balance or past the limit."""
    if not actor.role.can(Role.ADMIN):
        raise AdjustmentNeedsAdmin()
    points = parse_change(change)
    why = parse_reason(reason)
    await writing(session)
    member_id = await lookup.member_id(session, member, cards, now)
    row = await lock_member(session, member_id, member)
    key = f"adjust:{source}"
    if (earlier := await ledger.find(session, key)) is not None:
        return Adjustment(False, earlier.member_id, earlier.amount, earlier.reason, row.balance, ())
    if row.telegram_id == actor.telegram_id:
        raise OwnMembership()
    actor = await place(session, programme, actor)
    await _count(session, programme, actor, abs(points), now)
    try:
        if points > 0:
            posted = await ledger.credit(
                session,
                member_id=member_id,
                points=points,
                kind=KIND,
                reason=why,
                key=key,
                now=now,
                zone=clock.zone(programme),
                expires_at=programme.expiry.of_points_earned(now),
                rule="manual",
                actor_id=actor.telegram_id,
                branch=actor.branch,
            )
        else:
            posted = await ledger.debit(
                session,
                member_id=member_id,
                points=-points,
                kind=KIND,
                reason=why,
                key=key,
                now=now,
                zone=clock.zone(programme),
                rule="manual",
                actor_id=actor.telegram_id,
                held=row,
                branch=actor.branch,
            )
    except InsufficientPoints as short:
        raise AdjustmentBelowZero(balance=short.details["balance"], asked=-points) from None
    detail = f"points={points:+d}"
    await audit.record(session, actor, KIND, now=now, member_id=member_id, subject=key, detail=detail)
    news = await ledger.announce(session, posted)
    return Adjustment(True, member_id, points, why, posted.balance, () if news is None else (news,))


async def _count(session: AsyncSession, programme: Programme, actor: Actor, points: int, now: datetime) -> None:
    """Count the points against an admin's daily limit, holding their counter for the transaction; owners have none.
    A breach is refused with its trail (an audit line, the owners told)."""
    if actor.role is Role.OWNER:
        return
    day = day_at(programme, actor.branch, now)
    opened = upsert_into(session, table_of(AdjustmentDay)).on_conflict_do_nothing(index_elements=["staff_id", "day"])
    await session.execute(opened, {"staff_id": actor.telegram_id, "day": day, "points": 0})
    mine = (AdjustmentDay.staff_id == actor.telegram_id) & (AdjustmentDay.day == day)
    used = int(await session.scalar(select(AdjustmentDay.points).where(mine).with_for_update()) or 0)
    allowed = programme.staff.adjust_points_per_day
    if used + points > allowed:
        breach = LimitExceeded(limit="adjust_points_per_day", allowed=allowed, used=used, asked=points)
        raise keep_breach(breach, actor, now)
    await session.execute(update(AdjustmentDay).where(mine).values(points=AdjustmentDay.points + points))
