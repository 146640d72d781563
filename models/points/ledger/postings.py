"""Postings for one member at a time: credit a lot, debit the oldest lots, reverse a credit, restore a debit,
write off expired lots, and announce an entry to its member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import outbox
from models.core.errors import InsufficientPoints
from models.members.registry import Member, lock_member
from models.points.ledger.book import Book
from models.points.ledger.entries import (
    LEFT_IN_LOT,
    LedgerEntry,
    Lot,
    LotAllocation,
    Notice,
    Posted,
    entry_message,
    find,
    has_points_left,
    past_its_date,
    take_from,
)


async def _book_for(
    session: AsyncSession, member_id: int, now: datetime, zone: tzinfo, held: Member | None = None
) -> Book:
    """A book holding one member's row: `held` if the caller locked it already, else locked now (even if forgotten);
    their due expiries are written."""
    book = Book(session, now, zone)
    await book.hold(held if held is not None else await lock_member(session, member_id, even_forgotten=True))
    return book


async def credit(
    session: AsyncSession,
    *,
    member_id: int,
    points: int,
    kind: str,
    reason: str,
    key: str,
    now: datetime,
    zone: tzinfo,
    expires_at: datetime,
    rule: str | None = None,
    actor_id: int | None = None,
    branch: str | None = None,
) -> Posted:
    """Add a lot of points that lives until `expires_at`; a key seen before returns its entry unchanged."""
    if points <= 0:
        raise ValueError("a credit must be positive")
    book = await _book_for(session, member_id, now, zone)
    if (existing := await find(session, key)) is not None:
        return existing
    book.post(
        member_id=member_id,
        amount=points,
        kind=kind,
        reason=reason,
        key=key,
        now=now,
        rule=rule,
        actor_id=actor_id,
        expires_at=expires_at,
        branch=branch,
    )
    return (await book.write())[0]


async def live_lots(session: AsyncSession, member_id: int, now: datetime) -> list[Lot]:
    """The member's lots that can be spent at `now`, oldest expiry first: the order they are spent and expire in."""
    rows = await session.execute(
        select(LedgerEntry.id, LEFT_IN_LOT, LedgerEntry.expires_at)
        .where(LedgerEntry.member_id == member_id, has_points_left(), ~past_its_date(now))
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
    zone: tzinfo,
    rule: str | None = None,
    actor_id: int | None = None,
    reverses_id: int | None = None,
    first: int | None = None,
    held: Member | None = None,
    branch: str | None = None,
) -> Posted:
    """Spend points from the oldest lots that can still be spent at `now`; refuses (changing nothing) when they are
    short.

    `first` names a lot to take first (a reversal takes its credit's own lot); `held` is the member's row when the
    caller has just locked it, so that it is locked once (its balance follows what is written).
    """
    if points <= 0:
        raise ValueError("a debit must be positive")
    book = await _book_for(session, member_id, now, zone, held)
    if (existing := await find(session, key)) is not None:
        return existing
    if points > book.balance(member_id):
        raise InsufficientPoints(balance=book.balance(member_id), asked=points)
    lots = await live_lots(session, member_id, now)
    lots.sort(key=lambda lot: lot.entry_id != first)  # stable: the rest stay oldest first
    book.post(
        member_id=member_id,
        amount=-points,
        kind=kind,
        reason=reason,
        key=key,
        now=now,
        rule=rule,
        actor_id=actor_id,
        reverses_id=reverses_id,
        lots=take_from(lots, points),
        branch=branch,
    )
    return (await book.write())[0]


async def announce(session: AsyncSession, posted: Posted, extra: dict[str, Any] | None = None) -> Notice | None:
    """Queue the new entry's notice to its member in the outbox (with `extra`, see `entry_message`); None when there
    is nobody to tell (a replay, a forgotten member)."""
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
    found = Notice(row.telegram_id, row.language, posted)
    await outbox.post(session, [entry_message(found, extra)], posted.created_at)
    return found


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
    zone: tzinfo,
    actor_id: int | None,
    branch: str | None = None,
) -> Reversal:
    """Take back the points of a credit, never making the balance negative.

    The credit's own lot is taken first, then the member's other points, oldest first; what the member has already
    spent (or lost to expiry) beyond their balance stays with them (`unrecovered`): the business absorbs it rather than
    showing a debt.
    """
    original = await session.scalar(select(LedgerEntry).where(LedgerEntry.key == entry_key))
    if original is None or original.amount <= 0:
        raise ValueError(f"no credit with key {entry_key!r} to reverse")
    held = await lock_member(session, original.member_id, even_forgotten=True)
    book = await _book_for(session, original.member_id, now, zone, held)
    if (existing := await find(session, key)) is not None:
        return Reversal(existing, 0)
    take = min(original.amount, book.balance(original.member_id))
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
        zone=zone,
        rule=original.key,
        actor_id=actor_id,
        reverses_id=original.id,
        first=original.id,
        held=held,
        branch=branch,
    )
    return Reversal(posted, original.amount - take)


async def restore(
    session: AsyncSession,
    *,
    debit_key: str,
    key: str,
    kind: str,
    reason: str,
    now: datetime,
    zone: tzinfo,
    rule: str | None,
) -> list[Posted]:
    """Give back the points of a debit (a reservation that lapsed): what it took from each lot comes back as a lot
    with that lot's expiry (key `<key>:<lot>`), so giving points back never lengthens their life; a share whose date
    has passed is written off at once. Once: a second call returns nothing."""
    debit = await session.scalar(select(LedgerEntry).where(LedgerEntry.key == debit_key))
    if debit is None or debit.amount >= 0:
        raise ValueError(f"no debit with key {debit_key!r} to give back")
    book = await _book_for(session, debit.member_id, now, zone)
    taken = (
        await session.execute(
            select(LotAllocation.lot_id, LotAllocation.amount, LedgerEntry.expires_at)
            .join(LedgerEntry, LedgerEntry.id == LotAllocation.lot_id)
            .where(LotAllocation.debit_id == debit.id)
            .order_by(LedgerEntry.expires_at, LotAllocation.lot_id)
        )
    ).all()
    if not taken or await find(session, f"{key}:{taken[0].lot_id}") is not None:
        return []
    for lot_id, amount, expires_at in taken:
        book.post(
            member_id=debit.member_id,
            amount=amount,
            kind=kind,
            reason=reason,
            key=f"{key}:{lot_id}",
            now=now,
            rule=rule,
            expires_at=expires_at,
        )
    given = await book.write()
    await book.settle()
    return given


async def members_with_due_lots(session: AsyncSession, now: datetime) -> list[int]:
    """Members with lots past their date and points still left in them, in id order."""
    rows = await session.scalars(
        select(LedgerEntry.member_id)
        .where(has_points_left(), past_its_date(now))
        .group_by(LedgerEntry.member_id)
        .order_by(LedgerEntry.member_id)
    )
    return list(rows)


async def expire_due_lots(session: AsyncSession, member_id: int, now: datetime, zone: tzinfo) -> list[Notice]:
    """Write off what is left of the member's lots past their date, one entry per lot (key `expire:<lot>`); the
    notices to announce (already in the outbox)."""
    book = Book(session, now, zone)
    await book.lock([member_id])
    return book.expired
