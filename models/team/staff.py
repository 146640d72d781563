"""Staff and their roles: owners come from ADMIN_IDS, admins and cashiers are appointed by owners."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core import outbox
from models.core.amounts import parse_amount, parse_points
from models.core.base import Base
from models.core.errors import BadStaffRole, NotStaff, OwnerFromSettings
from models.core.programme import Programme
from models.core.uow import writing
from models.members.registry import Member
from models.team import audit
from models.team.branches import parse_branch


class Role(StrEnum):
    CASHIER = "cashier"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def can(self, needed: Role) -> bool:
        return self.rank >= needed.rank


APPOINTABLE = (Role.CASHIER, Role.ADMIN)


class StaffMember(Base):
    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint("max_sale_cents IS NULL OR max_sale_cents > 0", name="max_sale_positive"),
        CheckConstraint("points_per_day IS NULL OR points_per_day > 0", name="points_per_day_positive"),
    )

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime]
    # A cashier's own limits; NULL means the programme's [staff] defaults.
    max_sale_cents: Mapped[int | None]
    points_per_day: Mapped[int | None]
    # The branch (a programme `[[branches]]` id) they work at; NULL for a programme without branches, and for
    # admins who work everywhere.
    branch: Mapped[str | None] = mapped_column(String(32))


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the interface established it; `branch` is where, once `placed` has read it."""

    telegram_id: int
    role: Role
    branch: str | None = None


@dataclass(frozen=True)
class Limits:
    """What one staff member may do at once and per day; None is no limit (admins and owners)."""

    max_sale_cents: int | None
    points_per_day: int | None


@dataclass(frozen=True)
class StaffView:
    telegram_id: int
    role: Role
    language: str
    limits: Limits
    branch: str | None = None


async def role_of(session: AsyncSession, telegram_id: int, owners: frozenset[int]) -> Role | None:
    """The user's staff role, or None for customers and strangers."""
    if telegram_id in owners:
        return Role.OWNER
    role = await session.scalar(select(StaffMember.role).where(StaffMember.telegram_id == telegram_id))
    return None if role is None else Role(role)


def limits_from(
    programme: Programme,
    role: Role,
    max_sale_cents: int | None = None,
    points_per_day: int | None = None,
    branch: str | None = None,
) -> Limits:
    """A staff member's limits: their own where an owner set them, else their branch's, else the programme's; none
    above cashier."""
    if role is not Role.CASHIER:
        return Limits(None, None)
    at = programme.branch(branch)
    max_sale = at.max_sale if at is not None and at.max_sale is not None else programme.staff.max_sale
    per_day = at.points_per_day if at is not None and at.points_per_day is not None else programme.staff.points_per_day
    return Limits(
        max_sale_cents if max_sale_cents is not None else int(max_sale * 100),
        points_per_day if points_per_day is not None else per_day,
    )


async def placed(session: AsyncSession, programme: Programme, actors: Iterable[Actor]) -> dict[int, Actor]:
    """The actors by id, each with the branch they are appointed to (one read; none without branches)."""
    found = {actor.telegram_id: actor for actor in actors}
    appointed = [actor.telegram_id for actor in found.values() if actor.role is not Role.OWNER]
    if not programme.branches or not appointed:
        return found
    rows = await session.execute(
        select(StaffMember.telegram_id, StaffMember.branch).where(StaffMember.telegram_id.in_(appointed))
    )
    branches: dict[int, str | None] = dict(rows.all())
    return {key: replace(actor, branch=branches.get(key)) for key, actor in found.items()}


async def place(session: AsyncSession, programme: Programme, actor: Actor) -> Actor:
    """One actor with their branch (see `placed`)."""
    return (await placed(session, programme, [actor]))[actor.telegram_id]


async def languages(session: AsyncSession, telegram_ids: Iterable[int]) -> dict[int, str]:
    """The language to write to each user in: their member language, English for those who are not members."""
    ids = list(telegram_ids)
    rows = await session.execute(select(Member.telegram_id, Member.language).where(Member.telegram_id.in_(ids)))
    known: dict[int | None, str] = dict(rows.all())
    return {telegram_id: known.get(telegram_id, "en") for telegram_id in ids}


async def _language(session: AsyncSession, telegram_id: int) -> str:
    return (await languages(session, [telegram_id]))[telegram_id]


def parse_role(text: str) -> Role:
    """An appointable role by name; owners come only from ADMIN_IDS."""
    try:
        role = Role(text.lower())
    except ValueError:
        raise BadStaffRole(roles=", ".join(APPOINTABLE)) from None
    if role not in APPOINTABLE:
        raise OwnerFromSettings()
    return role


async def appoint(
    session: AsyncSession,
    programme: Programme,
    *,
    owner: Actor,
    owners: frozenset[int],
    user_id: int,
    role: str,
    max_sale: str | None,
    points_per_day: str | None,
    now: datetime,
    branch: str | None = None,
) -> StaffView:
    """Make the user a cashier or admin (or change their role, branch and limits); audited.

    `max_sale` and `points_per_day` are the cashier's own limits as typed; left out, their branch's or the
    programme's defaults apply. `branch` is a programme branch id; a cashier needs one when the programme has
    branches, an admin may have none (they work everywhere).
    """
    await writing(session)
    appointed = parse_role(role)
    at = parse_branch(programme, branch, required=appointed is Role.CASHIER)
    max_sale_cents = None if max_sale is None else parse_amount(max_sale, programme)
    daily = None if points_per_day is None else parse_points(points_per_day)
    if user_id in owners:
        raise OwnerFromSettings()
    row = await session.get(StaffMember, user_id)
    if row is None:
        row = StaffMember(telegram_id=user_id, role=appointed.value, added_by=owner.telegram_id, added_at=now)
        session.add(row)
    row.role = appointed.value
    row.max_sale_cents = max_sale_cents
    row.points_per_day = daily
    row.branch = at
    await session.flush()
    limits = limits_from(programme, appointed, row.max_sale_cents, row.points_per_day, at)
    detail = f"role={appointed.value} max_sale_cents={limits.max_sale_cents} points_per_day={limits.points_per_day}"
    if at is not None:
        detail += f" branch={at}"
    await audit.record(session, owner, "staff.add", now=now, subject=str(user_id), detail=detail)
    language = await _language(session, user_id)
    welcome = outbox.Message(user_id, outbox.STAFF_WELCOME, {"role": appointed.value, "language": language})
    await outbox.post(session, [welcome], now)
    return StaffView(user_id, appointed, language, limits, at)


async def dismiss(
    session: AsyncSession,
    *,
    owner: Actor,
    owners: frozenset[int],
    user_id: int,
    role: str,
    now: datetime,
    branch: str | None = None,
) -> StaffView:
    """Take the user's staff role away; they become an ordinary user again. Audited. `branch` (an id, see
    `branches.parse_branch`), when given, must be theirs: the owner meant someone at that branch."""
    await writing(session)
    dismissed = parse_role(role)
    if user_id in owners:
        raise OwnerFromSettings()
    row = await session.get(StaffMember, user_id)
    if row is None or row.role != dismissed.value or (branch is not None and row.branch != branch):
        raise NotStaff(user=str(user_id), role=dismissed.value)
    await session.delete(row)
    await audit.record(session, owner, "staff.remove", now=now, subject=str(user_id), detail=f"role={dismissed.value}")
    return StaffView(user_id, dismissed, await _language(session, user_id), Limits(None, None))


async def everyone(session: AsyncSession, programme: Programme, owners: frozenset[int]) -> list[StaffView]:
    """Owners and appointed staff, for publishing each one's "/" menu at start-up."""
    rows = [row for row in await session.scalars(select(StaffMember)) if row.telegram_id not in owners]
    spoken = await languages(session, [*owners, *(row.telegram_id for row in rows)])
    views = [StaffView(user_id, Role.OWNER, spoken[user_id], Limits(None, None)) for user_id in sorted(owners)]
    for row in rows:
        role = Role(row.role)
        limits = limits_from(programme, role, row.max_sale_cents, row.points_per_day, row.branch)
        views.append(StaffView(row.telegram_id, role, spoken[row.telegram_id], limits, row.branch))
    return views


@dataclass(frozen=True)
class RosterLine:
    telegram_id: int
    name: str | None  # their member name, when they are a member too
    role: Role
    branch: str | None = None  # where they work (None for owners, admins everywhere, and without branches)


async def roster(session: AsyncSession, owners: frozenset[int]) -> list[RosterLine]:
    """Owners, then admins and cashiers in the order they were appointed, with the names they gave as members."""
    rows = (
        await session.execute(
            select(StaffMember.telegram_id, StaffMember.role, StaffMember.branch).order_by(StaffMember.added_at)
        )
    ).all()
    people: list[tuple[int, Role, str | None]] = [(owner, Role.OWNER, None) for owner in sorted(owners)]
    people += [(telegram_id, Role(role), branch) for telegram_id, role, branch in rows if telegram_id not in owners]
    names = dict(
        (
            await session.execute(
                select(Member.telegram_id, Member.first_name).where(
                    Member.telegram_id.in_([telegram_id for telegram_id, _, _ in people])
                )
            )
        ).all()
    )
    return [RosterLine(telegram_id, names.get(telegram_id), role, branch) for telegram_id, role, branch in people]


async def change_role(
    session: AsyncSession,
    programme: Programme,
    *,
    owner: Actor,
    owners: frozenset[int],
    user_id: int,
    role: str,
    now: datetime,
) -> StaffView:
    """Give an appointed staff member another role, keeping their own limits and branch; audited."""
    await writing(session)
    changed = parse_role(role)
    if user_id in owners:
        raise OwnerFromSettings()
    row = await session.get(StaffMember, user_id)
    if row is None:
        raise NotStaff(user=user_id, role=changed.value)
    before, row.role = row.role, changed.value
    await session.flush()
    await audit.record(session, owner, "staff.role", now=now, subject=str(user_id), detail=f"{before} -> {row.role}")
    limits = limits_from(programme, changed, row.max_sale_cents, row.points_per_day, row.branch)
    return StaffView(user_id, changed, await _language(session, user_id), limits, row.branch)
