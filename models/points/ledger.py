"""The points ledger: append-only entries, a balance kept with them, lots that expire oldest first.

Every change of a member's points is one `LedgerEntry` carrying a unique business key, so a replayed request finds
its entry and changes nothing. Positive entries are lots with an expiry; a debit records which lots it consumed
(`LotAllocation`, oldest expiry first), so a lot's remainder is its amount less its allocations and no row is ever
updated. The member's `balance` column moves in the same transaction as the entry, guarded by `CHECK (balance >= 0)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    BindParameter,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Select,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from models.core.base import Base
from models.core.errors import InsufficientPoints, UnknownMember
from models.members import numbers
from models.members.registry import Member


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        CheckConstraint("balance_after >= 0", name="balance_after_nonnegative"),
        CheckConstraint("amount < 0 OR expires_at IS NOT NULL OR kind = 'reversal'", name="lot_has_expiry"),
        Index("ix_ledger_entries_member_created", "member_id", "id"),
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


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, for bulk statements that skip the ORM's per-row work."""
    return cast(Table, model.__table__)


@dataclass(frozen=True)
class Holder:
    """A member whose row this transaction holds, with what a posting needs to know about them."""

    member_id: int
    balance: int
    tier: str
    referred_by_id: int | None
    forgotten: bool
    telegram_id: int | None
    language: str


@dataclass
class _Pending:
    member_id: int
    amount: int
    kind: str
    reason: str
    key: str
    rule: str | None
    actor_id: int | None
    expires_at: datetime | None
    reverses_id: int | None
    balance_after: int
    created_at: datetime


def hold_query(*also: ColumnElement[Any], referrers: bool = False) -> Select[Any]:
    """The statement `Book.lock` runs: the rows of the members in its expanding parameter `members`, in id order.

    `also` are more values to read about each member in the same statement (a correlated subquery, say); their own
    parameters are passed to `Book.lock`. `referrers` holds the members who invited them too, in the same statement,
    so that rows are always taken in id order and two books cannot wait for each other. Build it once, at import:
    building a statement (and its cache key) costs more than running it for a batch of sales.
    """
    members: BindParameter[list[int]] = bindparam("members", expanding=True)
    chosen: ColumnElement[bool] = Member.id.in_(members)
    if referrers:
        invited = aliased(Member)  # the members being locked, apart from the outer query's rows
        inviters = select(invited.referred_by_id).where(invited.id.in_(members), invited.referred_by_id.is_not(None))
        chosen = chosen | Member.id.in_(inviters.scalar_subquery())
    return (
        select(
            Member.id,
            Member.balance,
            Member.tier,
            Member.referred_by_id,
            Member.forgotten_at,
            Member.telegram_id,
            Member.language,
            *also,
        )
        .where(chosen)
        .order_by(Member.id)
        .with_for_update(of=Member)
    )


_HOLD = hold_query()
# One multi-row INSERT that returns each new id with its unique key (asking for the ids in parameter order instead
# would make SQLite insert a row at a time), and one UPDATE of the balances.
_ENTRIES = table_of(LedgerEntry)
_ADD_ENTRIES = insert(_ENTRIES).returning(_ENTRIES.c.key, _ENTRIES.c.id)
_MEMBERS = table_of(Member)
_SET_BALANCES = update(_MEMBERS).where(_MEMBERS.c.id == bindparam("member")).values(balance=bindparam("balance"))


class Book:
    """Postings of one transaction, written together: one INSERT for the entries, one UPDATE for the balances.

    Members are locked first (in id order, so that two books never wait for each other); each posting moves the
    held balance at once, so several postings for one member see each other and none may take it below zero.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.holders: dict[int, Holder] = {}
        self._balances: dict[int, int] = {}
        self._pending: list[_Pending] = []

    async def lock(
        self, member_ids: Iterable[int], query: Select[Any] = _HOLD, **params: Any
    ) -> dict[int, tuple[Any, ...]]:
        """Hold these members' rows (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction holds them all).

        `query` is a `hold_query` (the plain one by default) and `params` the values of its own parameters; the
        values it reads beyond the holder come back by member, for the members locked now.
        """
        wanted = sorted(set(member_ids) - self.holders.keys())
        if not wanted:
            return {}
        rows = await self.session.execute(query, {"members": wanted, **params})
        extras = {}
        for member_id, balance, tier, referred_by, forgotten_at, telegram_id, language, *more in rows:
            self.holders[member_id] = Holder(
                member_id, balance, tier, referred_by, forgotten_at is not None, telegram_id, language
            )
            self._balances[member_id] = balance
            extras[member_id] = tuple(more)
        return extras

    def balance(self, member_id: int) -> int:
        return self._balances[member_id]

    def post(
        self,
        *,
        member_id: int,
        amount: int,
        kind: str,
        reason: str,
        key: str,
        now: datetime,
        rule: str | None = None,
        actor_id: int | None = None,
        expires_at: datetime | None = None,
        reverses_id: int | None = None,
    ) -> None:
        """Add an entry for a held member; refuses (changing nothing) one that would take the balance below zero."""
        balance = self._balances[member_id]
        if balance + amount < 0:
            raise InsufficientPoints(balance=balance, asked=-amount)
        self._balances[member_id] = balance + amount
        self._pending.append(
            _Pending(
                member_id, amount, kind, reason, key, rule, actor_id, expires_at, reverses_id, balance + amount, now
            )
        )

    async def write(self) -> list[Posted]:
        """Insert the entries and store the new balances; returns the postings in the order they were made."""
        pending, self._pending = self._pending, []
        if not pending:
            return []
        found = await self.session.execute(
            _ADD_ENTRIES,
            [
                {
                    "member_id": p.member_id,
                    "amount": p.amount,
                    "kind": p.kind,
                    "reason": p.reason,
                    "key": p.key,
                    "rule": p.rule,
                    "actor_id": p.actor_id,
                    "expires_at": p.expires_at,
                    "reverses_id": p.reverses_id,
                    "balance_after": p.balance_after,
                    "created_at": p.created_at,
                }
                for p in pending
            ],
        )
        ids: dict[str, int] = dict(found.all())
        touched = sorted({p.member_id for p in pending})
        await self.session.execute(
            _SET_BALANCES, [{"member": member_id, "balance": self._balances[member_id]} for member_id in touched]
        )
        return [
            Posted(ids[p.key], p.member_id, p.amount, p.kind, p.reason, p.balance_after, True, p.created_at)
            for p in pending
        ]


async def known_keys(session: AsyncSession, keys: Iterable[str]) -> list[str]:
    """Which of these business keys the ledger already holds."""
    return list(await session.scalars(select(LedgerEntry.key).where(LedgerEntry.key.in_(list(keys)))))


async def _lock_member(session: AsyncSession, member_id: int) -> Book:
    """A book holding one member's row; UnknownMember when there is no such member."""
    book = Book(session)
    await book.lock([member_id])
    if member_id not in book.holders:
        raise UnknownMember(member=numbers.shown(member_id))
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
    expires_at: datetime,
    rule: str | None = None,
    actor_id: int | None = None,
) -> Posted:
    """Add a lot of points that lives until `expires_at`; a key seen before returns its entry unchanged."""
    if points <= 0:
        raise ValueError("a credit must be positive")
    book = await _lock_member(session, member_id)
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
    )
    return (await book.write())[0]


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
    book = await _lock_member(session, member_id)
    if (existing := await find(session, key)) is not None:
        return existing
    if points > book.balance(member_id):
        raise InsufficientPoints(balance=book.balance(member_id), asked=points)
    lots = from_lots if from_lots is not None else await live_lots(session, member_id)
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
    )
    posted = (await book.write())[0]
    await session.execute(
        insert(LotAllocation),
        [{"debit_id": posted.entry_id, "lot_id": lot_id, "amount": take} for lot_id, take in allocations],
    )
    return posted


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
    balance = (await _lock_member(session, original.member_id)).balance(original.member_id)
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
