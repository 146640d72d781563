"""The points ledger: append-only entries, a balance kept with them, lots that expire oldest first.

Every change of a member's points is one `LedgerEntry` carrying a unique business key, so a replayed request finds
its entry and changes nothing. Positive entries are lots with an expiry; a debit records which lots it consumed
(`LotAllocation`, oldest expiry first), so a lot's remainder is its amount less its allocations and no row is ever
updated. The member's `balance` column moves in the same transaction as the entry, guarded by `CHECK (balance >= 0)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Select, String, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.errors import InsufficientPoints, UnknownMember
from models.members import Member


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        CheckConstraint("balance_after >= 0", name="balance_after_nonnegative"),
        CheckConstraint("amount < 0 OR expires_at IS NOT NULL OR kind = 'reversal'", name="lot_has_expiry"),
        Index("ix_ledger_entries_member_created", "member_id", "id"),
        Index("ix_ledger_entries_actor_created", "actor_id", "created_at"),
        Index("ix_ledger_entries_expires", "expires_at"),
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


class LotAllocation(Base):
    """How much of one positive lot a debit consumed."""

    __tablename__ = "lot_allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="positive"),)

    debit_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), primary_key=True, index=True)
    amount: Mapped[int]


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


async def _lock_member(session: AsyncSession, member_id: int) -> int:
    """Serialise writers of one member (a row lock on PostgreSQL; SQLite's IMMEDIATE transaction already does)."""
    balance = await session.scalar(select(Member.balance).where(Member.id == member_id).with_for_update())
    if balance is None:
        raise UnknownMember(member=member_id)
    return balance


async def _append(
    session: AsyncSession,
    *,
    member_id: int,
    amount: int,
    kind: str,
    reason: str,
    key: str,
    now: datetime,
    rule: str | None,
    actor_id: int | None,
    expires_at: datetime | None = None,
    reverses_id: int | None = None,
) -> LedgerEntry:
    balance = await session.scalar(
        update(Member).where(Member.id == member_id).values(balance=Member.balance + amount).returning(Member.balance)
    )
    assert balance is not None
    entry = LedgerEntry(
        member_id=member_id,
        amount=amount,
        kind=kind,
        reason=reason,
        key=key,
        rule=rule,
        actor_id=actor_id,
        expires_at=expires_at,
        reverses_id=reverses_id,
        balance_after=balance,
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


async def credit(
    session: AsyncSession,
    *,
    member_id: int,
    points: int,
    kind: str,
    reason: str,
    key: str,
    now: datetime,
    expires_at: datetime,
    rule: str | None = None,
    actor_id: int | None = None,
) -> Posted:
    """Add a lot of points that lives until `expires_at`; a key seen before returns its entry unchanged."""
    if points <= 0:
        raise ValueError("a credit must be positive")
    await _lock_member(session, member_id)
    if (existing := await find(session, key)) is not None:
        return existing
    entry = await _append(
        session,
        member_id=member_id,
        amount=points,
        kind=kind,
        reason=reason,
        key=key,
        now=now,
        rule=rule,
        actor_id=actor_id,
        expires_at=expires_at,
    )
    return _posted(entry, created=True)


async def live_lots(session: AsyncSession, member_id: int) -> list[Lot]:
    """The member's lots with points left, oldest expiry first: the order they are spent and expire in."""
    used = (
        select(LotAllocation.lot_id, func.sum(LotAllocation.amount).label("used"))
        .join(LedgerEntry, LedgerEntry.id == LotAllocation.lot_id)
        .where(LedgerEntry.member_id == member_id)
        .group_by(LotAllocation.lot_id)
        .subquery()
    )
    remaining = LedgerEntry.amount - func.coalesce(used.c.used, 0)
    rows = await session.execute(
        select(LedgerEntry.id, remaining, LedgerEntry.expires_at)
        .outerjoin(used, used.c.lot_id == LedgerEntry.id)
        .where(
            LedgerEntry.member_id == member_id,
            LedgerEntry.amount > 0,
            LedgerEntry.expires_at.is_not(None),
            remaining > 0,
        )
        .order_by(LedgerEntry.expires_at, LedgerEntry.id)
    )
    return [Lot(entry_id, left, expires) for entry_id, left, expires in rows if expires is not None]


async def debit(
    session: AsyncSession,
    *,
    member_id: int,
    points: int,
    kind: str,
    reason: str,
    key: str,
    now: datetime,
    rule: str | None = None,
    actor_id: int | None = None,
    reverses_id: int | None = None,
    from_lots: list[Lot] | None = None,
) -> Posted:
    """Spend points from the oldest lots first; refuses (changing nothing) when the balance is short.

    `from_lots` lets expiry and reversals name the lots they take, instead of the oldest unexpired ones.
    """
    if points <= 0:
        raise ValueError("a debit must be positive")
    balance = await _lock_member(session, member_id)
    if (existing := await find(session, key)) is not None:
        return existing
    if points > balance:
        raise InsufficientPoints(balance=balance, asked=points)
    lots = from_lots if from_lots is not None else await live_lots(session, member_id)
    entry = await _append(
        session,
        member_id=member_id,
        amount=-points,
        kind=kind,
        reason=reason,
        key=key,
        now=now,
        rule=rule,
        actor_id=actor_id,
        reverses_id=reverses_id,
    )
    left = points
    for lot in lots:
        take = min(left, lot.remaining)
        if take > 0:
            session.add(LotAllocation(debit_id=entry.id, lot_id=lot.entry_id, amount=take))
            left -= take
        if left == 0:
            break
    if left:
        # The balance said yes but the lots disagree: stop before the ledger goes inconsistent.
        raise InsufficientPoints(balance=points - left, asked=points)
    await session.flush()
    return _posted(entry, created=True)


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


async def notice(session: AsyncSession, posted: Posted) -> Notice | None:
    """The announcement of a new entry, or None when there is nobody to tell (a replay, a forgotten member)."""
    if not posted.created:
        return None
    row = (
        await session.execute(
            select(Member.telegram_id, Member.language).where(
                Member.id == posted.member_id, Member.forgotten_at.is_(None)
            )
        )
    ).one_or_none()
    if row is None or row.telegram_id is None:
        return None
    return Notice(row.telegram_id, row.language, posted)


@dataclass(frozen=True)
class Reversal:
    """What a reversal took back (`posted` is None when nothing was left to take) and what it could not."""

    posted: Posted | None
    unrecovered: int


async def reverse(
    session: AsyncSession,
    *,
    entry_key: str,
    key: str,
    kind: str,
    reason: str,
    now: datetime,
    actor_id: int | None,
) -> Reversal:
    """Take back the points of a credit, never making the balance negative.

    The credit's own lot is taken first, then the member's other points, oldest first; what the member has already
    spent beyond their balance stays with them (`unrecovered`): the business absorbs it rather than showing a debt.
    """
    original = await session.scalar(select(LedgerEntry).where(LedgerEntry.key == entry_key))
    if original is None or original.amount <= 0:
        raise ValueError(f"no credit with key {entry_key!r} to reverse")
    balance = await _lock_member(session, original.member_id)
    if (existing := await find(session, key)) is not None:
        return Reversal(existing, 0)
    lots = await live_lots(session, original.member_id)
    own = [lot for lot in lots if lot.entry_id == original.id]
    ordered = own + [lot for lot in lots if lot.entry_id != original.id]
    take = min(original.amount, balance)
    if take == 0:
        return Reversal(None, original.amount)
    posted = await debit(
        session,
        member_id=original.member_id,
        points=take,
        kind=kind,
        reason=reason,
        key=key,
        now=now,
        rule=original.key,
        actor_id=actor_id,
        reverses_id=original.id,
        from_lots=ordered,
    )
    return Reversal(posted, original.amount - take)


@dataclass(frozen=True)
class Expiring:
    """A member's points that expire within the asked window, and the first day they go."""

    member_id: int
    points: int
    first_expiry: datetime


def _remaining_lots(until: datetime) -> Select[int, int, int, datetime | None]:
    """Every lot with points left that expires before `until`: member, lot, points left, expiry."""
    used = (
        select(LotAllocation.lot_id, func.sum(LotAllocation.amount).label("used"))
        .group_by(LotAllocation.lot_id)
        .subquery()
    )
    remaining = LedgerEntry.amount - func.coalesce(used.c.used, 0)
    return (
        select(LedgerEntry.member_id, LedgerEntry.id, remaining.label("remaining"), LedgerEntry.expires_at)
        .outerjoin(used, used.c.lot_id == LedgerEntry.id)
        .where(LedgerEntry.amount > 0, LedgerEntry.expires_at.is_not(None), LedgerEntry.expires_at <= until)
        .where(remaining > 0)
    )


async def expiring_within(session: AsyncSession, *, days: int, now: datetime) -> list[Expiring]:
    """Members with points that expire in the next `days` days, how many, and when the first of them go.

    What the `expiring_points` reminder is built from; lots already past expiry (waiting for the daily job) count too.
    """
    lots = _remaining_lots(now + timedelta(days=days)).subquery()
    rows = await session.execute(
        select(lots.c.member_id, func.sum(lots.c.remaining), func.min(lots.c.expires_at))
        .join(Member, Member.id == lots.c.member_id)
        .where(Member.forgotten_at.is_(None))
        .group_by(lots.c.member_id)
        .order_by(lots.c.member_id)
    )
    return [Expiring(member_id, int(points), first) for member_id, points, first in rows]


async def due_lots(session: AsyncSession, now: datetime) -> list[tuple[int, Lot]]:
    """Lots whose expiry has passed with points still left, as (member, lot), oldest first."""
    rows = await session.execute(_remaining_lots(now).order_by(LedgerEntry.expires_at, LedgerEntry.id))
    return [(member_id, Lot(lot_id, left, expires)) for member_id, lot_id, left, expires in rows if expires]


async def expire_lot(session: AsyncSession, member_id: int, lot_id: int, now: datetime) -> Posted | None:
    """Write off what is left of one lot past its expiry (key `expire:<lot>`); None when nothing is left."""
    await _lock_member(session, member_id)
    lot = next((lot for lot in await live_lots(session, member_id) if lot.entry_id == lot_id), None)
    if lot is None or lot.expires_at > now:
        return None
    return await debit(
        session,
        member_id=member_id,
        points=lot.remaining,
        kind="expire",
        reason=lot.expires_at.date().isoformat(),
        key=f"expire:{lot_id}",
        now=now,
        rule="expiry.days",
        from_lots=[lot],
    )
