"""The ledger's rows and what is read from them: entries, the lots they form and what debits took from each.

Positive entries are lots with an expiry; a debit records which lots it consumed (`LotAllocation`, oldest expiry
first), so a lot's remainder is its amount less its allocations and no row is ever updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    and_,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core import outbox
from models.core.base import Base, table_of
from models.core.errors import InsufficientPoints
from models.members.registry import Member

# Entries of points a member spent, which figures count as redeemed: on a reward, or on a bill at the till.
SPENDING_KINDS = ("redeem", "pay")


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        CheckConstraint("balance_after >= 0", name="balance_after_nonnegative"),
        CheckConstraint("amount < 0 OR expires_at IS NOT NULL OR kind = 'reversal'", name="lot_has_expiry"),
        Index("ix_ledger_entries_member_created", "member_id", "id"),
        Index("ix_ledger_entries_expires", "expires_at"),
        # The dashboard's points issued and redeemed in a period, from the index alone; the ledger export's period.
        Index("ix_ledger_entries_created", "created_at", "kind", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    amount: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    rule: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    expires_at: Mapped[datetime | None]
    balance_after: Mapped[int]
    created_at: Mapped[datetime]
    branch: Mapped[str | None] = mapped_column(String(32))  # where staff made it (see `models.team.branches`)


class LotAllocation(Base):
    """How much of one positive lot a debit consumed."""

    __tablename__ = "lot_allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="positive"),)

    debit_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), primary_key=True, index=True)
    amount: Mapped[int]


# The rules below are written on the tables' columns, not the mapped attributes: a statement made only of columns
# runs as Core, without the ORM's work per execution (its compile state, loading each row), which the till's reads
# of every batch of sales (`models.till.sales`) would otherwise pay. Inside an ORM query they read the same.
ENTRIES = table_of(LedgerEntry)
_ALLOCATIONS = table_of(LotAllocation)

# What is left of a lot: its amount less what debits took from it. Correlated to the `LedgerEntry` of the query it
# stands in, so the live lots, the lots due to expire and the expiry reminder all read the same rule.
LEFT_IN_LOT: ColumnElement[int] = ENTRIES.c.amount - func.coalesce(
    select(func.sum(_ALLOCATIONS.c.amount)).where(_ALLOCATIONS.c.lot_id == ENTRIES.c.id).scalar_subquery(), 0
)


def has_points_left() -> ColumnElement[bool]:
    """SQL: the `LedgerEntry` is a lot (points with an expiry) that still has points in it."""
    return and_(ENTRIES.c.amount > 0, ENTRIES.c.expires_at.is_not(None), LEFT_IN_LOT > 0)


def past_its_date(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """SQL: the `LedgerEntry` (a lot) can no longer be spent at `now`: the one rule of when points expire."""
    return ENTRIES.c.expires_at <= now


def spendable(now: datetime) -> ColumnElement[int]:
    """SQL: the points the `Member` of the query can spend at `now`: their balance less what is left in their lots
    past their date and not yet written off. Equal to the balance whenever the due expiries have been written."""
    expired = (
        select(func.coalesce(func.sum(LEFT_IN_LOT), 0))
        .where(LedgerEntry.member_id == Member.id, has_points_left(), past_its_date(now))
        .correlate(Member)
        .scalar_subquery()
    )
    return Member.balance - expired


async def points(session: AsyncSession, member_id: int, now: datetime) -> int:
    """The points the member can spend at `now` (what every screen shows as their points)."""
    return int(await session.scalar(select(spendable(now)).where(Member.id == member_id)) or 0)


@dataclass(frozen=True)
class Posted:
    """The outcome of a ledger write; `created` is False when the key had been recorded before."""

    entry_id: int
    member_id: int
    amount: int
    kind: str
    reason: str
    balance: int
    created: bool
    created_at: datetime


@dataclass(frozen=True)
class Lot:
    entry_id: int
    remaining: int
    expires_at: datetime


def _posted(entry: LedgerEntry, *, created: bool) -> Posted:
    return Posted(
        entry.id,
        entry.member_id,
        entry.amount,
        entry.kind,
        entry.reason,
        entry.balance_after,
        created,
        entry.created_at,
    )


async def find(session: AsyncSession, key: str) -> Posted | None:
    entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.key == key))
    return None if entry is None else _posted(entry, created=False)


def expiry_key(lot_id: int) -> str:
    """The business key of the entry that writes off what is left of a lot."""
    return f"expire:{lot_id}"


def take_from(lots: list[Lot], points: int) -> tuple[tuple[int, int], ...]:
    """Which lots give `points`, in the order given: (lot, points taken); refuses when they hold too few."""
    allocations = []
    left = points
    for lot in lots:
        take = min(left, lot.remaining)
        if take > 0:
            allocations.append((lot.entry_id, take))
            left -= take
        if left == 0:
            break
    if left:
        # The balance said yes but the lots disagree: stop before the ledger goes inconsistent.
        raise InsufficientPoints(balance=points - left, asked=points)
    return tuple(allocations)


async def entries_sum(session: AsyncSession, member_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.member_id == member_id)
    )
    return int(total or 0)


@dataclass(frozen=True)
class Notice:
    """An entry to announce to its member: whom to tell, in which language, and what happened."""

    telegram_id: int
    language: str
    posted: Posted


def entry_message(notice: Notice, extra: dict[str, Any] | None = None) -> outbox.Message:
    """The outbox message that tells a member of a new entry; `extra` is what else its cause has to say (a sale's
    stamps, say), rendered after it."""
    posted = notice.posted
    payload = {"entry_id": posted.entry_id, "kind": posted.kind, "amount": posted.amount, "reason": posted.reason}
    payload |= {"balance": posted.balance, "language": notice.language}
    return outbox.Message(notice.telegram_id, outbox.ENTRY, payload | (extra or {}))
