"""Staff and their roles: owners come from ADMIN_IDS, admins and cashiers are appointed by owners."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Role(StrEnum):
    CASHIER = "cashier"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def can(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class StaffMember(Base):
    __tablename__ = "staff"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime]


async def role_of(session: AsyncSession, telegram_id: int, owners: frozenset[int]) -> Role | None:
    """The user's staff role, or None for customers and strangers."""
    if telegram_id in owners:
        return Role.OWNER
    role = await session.scalar(select(StaffMember.role).where(StaffMember.telegram_id == telegram_id))
    return None if role is None else Role(role)
