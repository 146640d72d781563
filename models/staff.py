"""Staff and their roles: owners come from ADMIN_IDS, admins and cashiers are appointed by owners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import audit
from models.base import Base
from models.errors import BadStaffRole, NotStaff, OwnerFromSettings
from models.members import Member
from models.programme import Programme


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


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the interface established it."""

    telegram_id: int
    role: Role


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


async def role_of(session: AsyncSession, telegram_id: int, owners: frozenset[int]) -> Role | None:
    """The user's staff role, or None for customers and strangers."""
    if telegram_id in owners:
        return Role.OWNER
    role = await session.scalar(select(StaffMember.role).where(StaffMember.telegram_id == telegram_id))
    return None if role is None else Role(role)


def _limits(programme: Programme, role: Role, row: StaffMember | None) -> Limits:
    if role is not Role.CASHIER:
        return Limits(None, None)
    default_sale = int(programme.staff.max_sale * 100)
    return Limits(
        row.max_sale_cents if row is not None and row.max_sale_cents is not None else default_sale,
        row.points_per_day if row is not None and row.points_per_day is not None else programme.staff.points_per_day,
    )


async def limits_for(session: AsyncSession, programme: Programme, actor: Actor) -> Limits:
    if actor.role is not Role.CASHIER:
        return Limits(None, None)
    return _limits(programme, actor.role, await session.get(StaffMember, actor.telegram_id))


async def _language(session: AsyncSession, telegram_id: int) -> str:
    language = await session.scalar(select(Member.language).where(Member.telegram_id == telegram_id))
    return language or "en"


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
    role: Role,
    max_sale_cents: int | None,
    points_per_day: int | None,
    now: datetime,
) -> StaffView:
    """Make the user a cashier or admin (or change their role and limits); audited; commits."""
    if user_id in owners:
        raise OwnerFromSettings()
    row = await session.get(StaffMember, user_id)
    if row is None:
        row = StaffMember(telegram_id=user_id, role=role.value, added_by=owner.telegram_id, added_at=now)
        session.add(row)
    row.role = role.value
    row.max_sale_cents = max_sale_cents
    row.points_per_day = points_per_day
    await session.flush()
    limits = _limits(programme, role, row)
    detail = f"role={role.value} max_sale_cents={limits.max_sale_cents} points_per_day={limits.points_per_day}"
    await audit.record(session, owner, "staff.add", now=now, subject=str(user_id), detail=detail)
    view = StaffView(user_id, role, await _language(session, user_id), limits)
    await session.commit()
    return view


async def dismiss(
    session: AsyncSession, *, owner: Actor, owners: frozenset[int], user_id: int, role: Role, now: datetime
) -> StaffView:
    """Take the user's staff role away; they become an ordinary user again. Audited; commits."""
    if user_id in owners:
        raise OwnerFromSettings()
    row = await session.get(StaffMember, user_id)
    if row is None or row.role != role.value:
        raise NotStaff(user=user_id, role=role.value)
    await session.delete(row)
    await audit.record(session, owner, "staff.remove", now=now, subject=str(user_id), detail=f"role={role.value}")
    view = StaffView(user_id, role, await _language(session, user_id), Limits(None, None))
    await session.commit()
    return view


async def everyone(session: AsyncSession, programme: Programme, owners: frozenset[int]) -> list[StaffView]:
    """Owners and appointed staff, for publishing each one's "/" menu at start-up."""
    rows = list(await session.scalars(select(StaffMember).order_by(StaffMember.telegram_id)))
    views = [
        StaffView(user_id, Role.OWNER, await _language(session, user_id), Limits(None, None)) for user_id in owners
    ]
    for row in rows:
        if row.telegram_id not in owners:
            role = Role(row.role)
            views.append(
                StaffView(
                    row.telegram_id, role, await _language(session, row.telegram_id), _limits(programme, role, row)
                )
            )
    return views
