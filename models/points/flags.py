""" "This wasn't me": a member's report that a ledger entry was not theirs, kept for owners to look into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base
from models.core.errors import UnknownEntry
from models.core.uow import writing
from models.points.ledger import LedgerEntry


class EntryFlag(Base):
    __tablename__ = "entry_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    flagged_at: Mapped[datetime]


@dataclass(frozen=True)
class Flag:
    flagged_at: datetime
    member_id: int
    entry_id: int
    amount: int
    kind: str
    reason: str
    actor_id: int | None
    entry_at: datetime


async def flag_entry(session: AsyncSession, *, member_id: int, entry_id: int, now: datetime) -> bool:
    """Record the member's report on one of their own entries; True the first time."""
    await writing(session)
    owner = await session.scalar(select(LedgerEntry.member_id).where(LedgerEntry.id == entry_id))
    if owner != member_id:
        raise UnknownEntry()
    if await session.scalar(select(EntryFlag.id).where(EntryFlag.entry_id == entry_id)) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(EntryFlag(entry_id=entry_id, member_id=member_id, flagged_at=now))
    except IntegrityError:  # a double tap racing on PostgreSQL: the other one recorded it
        return False
    return True


async def recent_flags(session: AsyncSession, limit: int = 20) -> list[Flag]:
    """The newest reports with the entries they are about, for owners."""
    rows = await session.execute(
        select(EntryFlag, LedgerEntry)
        .join(LedgerEntry, LedgerEntry.id == EntryFlag.entry_id)
        .order_by(EntryFlag.id.desc())
        .limit(limit)
    )
    return [
        Flag(
            flag.flagged_at,
            flag.member_id,
            entry.id,
            entry.amount,
            entry.kind,
            entry.reason,
            entry.actor_id,
            entry.created_at,
        )
        for flag, entry in rows
    ]
