"""The points ledger: append-only entries, a balance kept with them, lots that expire oldest first.

Every change of a member's points is one `LedgerEntry` carrying a unique business key, so a replayed request finds
its entry and changes nothing. Positive entries are lots with an expiry; a debit records which lots it consumed
(`LotAllocation`, oldest expiry first), so a lot's remainder is its amount less its allocations and no row is ever
updated. The member's `balance` column moves in the same transaction as the entry, guarded by `CHECK (balance >= 0)`.

A lot is spendable until its `expires_at`, not until the nightly run writes its expiry: what a member can spend and
is shown is `spendable` (the balance less what is left in lots past their date), and every posting first writes the
held members' due expiries (`Book.settle`, keys `expire:<lot>` as the nightly run uses), so the stored balance and
each new entry's `balance_after` are what can be spent at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    CheckConstraint,
    ColumnElement,
    Exists,
    ForeignKey,
    Index,
    Select,
    String,
    and_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from models.core import outbox
from models.core.base import Base, table_of
from models.core.errors import InsufficientPoints
from models.members.registry import Member, lock_member

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


# What is left of a lot: its amount less what debits took from it. Correlated to the `LedgerEntry` of the query it
# stands in, so the live lots, the lots due to expire and the expiry reminder all read the same rule.
LEFT_IN_LOT: ColumnElement[int] = LedgerEntry.amount - func.coalesce(
    select(func.sum(LotAllocation.amount)).where(LotAllocation.lot_id == LedgerEntry.id).scalar_subquery(), 0
)


def has_points_left() -> ColumnElement[bool]:
    """SQL: the `LedgerEntry` is a lot (points with an expiry) that still has points in it."""
    return and_(LedgerEntry.amount > 0, LedgerEntry.expires_at.is_not(None), LEFT_IN_LOT > 0)


def past_its_date(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """SQL: the `LedgerEntry` (a lot) can no longer be spent at `now`: the one rule of when points expire."""
    return LedgerEntry.expires_at <= now


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
    lots: tuple[tuple[int, int], ...] = ()  # a debit's (lot, points taken from it)
    branch: str | None = None


def _has_due_lots() -> Exists:
    """SQL: the query's `Member` has lots past their date (at the parameter `now`) with points left in them."""
    due = select(LedgerEntry.id).where(
        LedgerEntry.member_id == Member.id, past_its_date(bindparam("now")), has_points_left()
    )
    return due.correlate(Member).exists()


def hold_query(*also: ColumnElement[Any], referrers: bool = False) -> Select[Any]:
    """The statement `Book.lock` runs: the rows of the members in its expanding parameter `members`, in id order.

    `also` are more values to read about each member in the same statement (a correlated subquery, say); their own
    parameters are passed to `Book.lock`. `referrers` holds the members who invited them too, in the same statement,
    so that rows are always taken in id order and two books cannot wait for each other. Each row also says whether
    the member has lots past their date at the parameter `now`, so that `Book.lock` looks for them (`settle`) only
    then: one statement fewer for the usual batch, where nobody's points are due. Build it once, at import:
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
            _has_due_lots(),
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
_ADD_ALLOCATIONS = insert(table_of(LotAllocation))
_MEMBERS = table_of(Member)
_SET_BALANCES = update(_MEMBERS).where(_MEMBERS.c.id == bindparam("member")).values(balance=bindparam("balance"))
# The held members' lots with points left, in the order they expire: those past their date (to write off) and, of
# the members about to spend, the others too (what the book's debits take, `Book.take`). One statement either way.
_LOTS = (
    select(LedgerEntry.member_id, LedgerEntry.id, LEFT_IN_LOT, LedgerEntry.expires_at)
    .where(
        LedgerEntry.member_id.in_(bindparam("members", expanding=True)),
        past_its_date(bindparam("now")) | LedgerEntry.member_id.in_(bindparam("spending", expanding=True)),
        has_points_left(),
    )
    .order_by(LedgerEntry.member_id, LedgerEntry.expires_at, LedgerEntry.id)
)


def expiry_key(lot_id: int) -> str:
    """The business key of the entry that writes off what is left of a lot."""
    return f"expire:{lot_id}"


class Book:
    """Postings of one transaction at `now`, written together: one INSERT for the entries, one UPDATE for the balances.

    Members are locked first (in id order, so that two books never wait for each other) and their due expiries
    written at once (`settle`), so that a held balance is what can be spent at `now`; each posting moves the held
    balance at once, so several postings for one member see each other and none may take it below zero.
    """

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session = session
        self.now = now
        self.holders: dict[int, Holder] = {}
        self.expired: list[Notice] = []  # the expiries `settle` wrote, announced in the outbox
        self._lots: dict[int, list[Lot]] = {}  # the held members' live lots as `settle` read them, less what is taken
        self._balances: dict[int, int] = {}
        self._pending: list[_Pending] = []
        self._rows: dict[int, Member] = {}  # rows the caller loaded, kept in step with the balances written

    async def lock(
        self, member_ids: Iterable[int], query: Select[Any] = _HOLD, *, spending: Iterable[int] = (), **params: Any
    ) -> dict[int, tuple[Any, ...]]:
        """Hold these members' rows (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction holds them all) and
        write their due expiries (reading the live lots of those `spending`, see `settle`).

        `query` is a `hold_query` (the plain one by default) and `params` the values of its own parameters; the
        values it reads beyond the holder come back by member, for the members locked now.
        """
        wanted = sorted(set(member_ids) - self.holders.keys())
        if not wanted:
            return {}
        rows = await self.session.execute(query, {"members": wanted, "now": self.now, **params})
        extras = {}
        due = []
        for member_id, balance, tier, referred_by, forgotten_at, telegram_id, language, has_due, *more in rows:
            self.holders[member_id] = Holder(
                member_id, balance, tier, referred_by, forgotten_at is not None, telegram_id, language
            )
            self._balances[member_id] = balance
            extras[member_id] = tuple(more)
            self._lots[member_id] = []
            if has_due:
                due.append(member_id)
        # Only the members with lots past their date, and those about to spend (whose live lots `take` needs).
        spenders = set(spending) & extras.keys()
        await self.settle(sorted({*due, *spenders}), spenders)
        return extras

    async def hold(self, member: Member) -> None:
        """Count a member whose row the caller has just locked (`lock_member`), without locking it again, and write
        their due expiries (the row's balance follows)."""
        self.holders[member.id] = Holder(
            member.id,
            member.balance,
            member.tier,
            member.referred_by_id,
            member.forgotten_at is not None,
            member.telegram_id,
            member.language,
        )
        self._balances[member.id] = member.balance
        self._rows[member.id] = member
        await self.settle([member.id])

    async def settle(self, member_ids: Iterable[int] | None = None, spending: Iterable[int] = ()) -> list[Notice]:
        """Write off what is left in the held members' lots past their date (all held members by default): one entry
        per lot, keyed as the nightly run keys it, announced to the member. Returns the notices. The live lots of the
        members `spending` are read with them, for `take`."""
        wanted = sorted(self.holders if member_ids is None else member_ids)
        if any(p.member_id in wanted for p in self._pending):
            raise RuntimeError("write the postings before settling their members' expiries")
        if not wanted:
            return []
        due = []
        for member_id in wanted:
            self._lots[member_id] = []
        params = {"members": wanted, "now": self.now, "spending": sorted(set(spending) & set(wanted))}
        for member_id, lot_id, left, expires_at in await self.session.execute(_LOTS, params):
            assert expires_at is not None  # a lot (`has_points_left`) has an expiry
            if expires_at <= self.now:
                due.append((member_id, lot_id, left, expires_at))
            else:
                self._lots[member_id].append(Lot(lot_id, left, expires_at))
        if not due:
            return []
        expiries = []
        for member_id, lot_id, left, expires_at in due:
            balance = self._balances[member_id] - left
            self._balances[member_id] = balance
            expiries.append(
                _Pending(
                    member_id,
                    -left,
                    "expire",
                    expires_at.date().isoformat(),
                    expiry_key(lot_id),
                    "expiry.days",
                    None,
                    None,
                    None,
                    balance,
                    self.now,
                    ((lot_id, left),),
                )
            )
        written = await self._insert(expiries)
        notices = []
        for posted in written:
            holder = self.holders[posted.member_id]
            if holder.telegram_id is not None and not holder.forgotten:
                notices.append(Notice(holder.telegram_id, holder.language, posted))
        await outbox.post(self.session, [entry_message(notice) for notice in notices], self.now)
        self.expired.extend(notices)
        return notices

    def balance(self, member_id: int) -> int:
        return self._balances[member_id]

    def take(self, member_id: int, points: int) -> tuple[tuple[int, int], ...] | None:
        """The live lots that give `points` (oldest expiry first), taken from what `settle` read, for a debit to `post`;
        None when they hold too few: points credited by this book count only once written and settled again."""
        lots = self._lots.get(member_id, [])
        try:
            taken = take_from(lots, points)
        except InsufficientPoints:
            return None
        used = dict(taken)
        self._lots[member_id] = [
            Lot(lot.entry_id, lot.remaining - used.get(lot.entry_id, 0), lot.expires_at) for lot in lots
        ]
        return taken

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
        lots: tuple[tuple[int, int], ...] = (),
        branch: str | None = None,
    ) -> None:
        """Add an entry for a held member; refuses (changing nothing) one that would take the balance below zero.

        A debit names the lots it takes (`lots`, pairs of lot and points); `spend` chooses them. `branch` is where
        staff made it, if anywhere.
        """
        balance = self._balances[member_id]
        if balance + amount < 0:
            raise InsufficientPoints(balance=balance, asked=-amount)
        self._balances[member_id] = balance + amount
        self._pending.append(
            _Pending(
                member_id,
                amount,
                kind,
                reason,
                key,
                rule,
                actor_id,
                expires_at,
                reverses_id,
                balance + amount,
                now,
                lots,
                branch,
            )
        )

    async def write(self) -> list[Posted]:
        """Insert the entries and store the new balances; returns the postings in the order they were made."""
        pending, self._pending = self._pending, []
        return await self._insert(pending)

    async def _insert(self, pending: list[_Pending]) -> list[Posted]:
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
                    "branch": p.branch,
                }
                for p in pending
            ],
        )
        ids: dict[str, int] = dict(found.all())
        allocations = [
            {"debit_id": ids[p.key], "lot_id": lot_id, "amount": take} for p in pending for lot_id, take in p.lots
        ]
        if allocations:
            await self.session.execute(_ADD_ALLOCATIONS, allocations)
        touched = sorted({p.member_id for p in pending})
        await self.session.execute(
            _SET_BALANCES, [{"member": member_id, "balance": self._balances[member_id]} for member_id in touched]
        )
        for member_id in touched:
            if (row := self._rows.get(member_id)) is not None:
                set_committed_value(row, "balance", self._balances[member_id])
        return [
            Posted(ids[p.key], p.member_id, p.amount, p.kind, p.reason, p.balance_after, True, p.created_at)
            for p in pending
        ]


async def _book_for(session: AsyncSession, member_id: int, now: datetime, held: Member | None = None) -> Book:
    """A book holding one member's row: `held` if the caller locked it already, else locked now (even if forgotten);
    their due expiries are written."""
    book = Book(session, now)
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
    expires_at: datetime,
    rule: str | None = None,
    actor_id: int | None = None,
    branch: str | None = None,
) -> Posted:
    """Add a lot of points that lives until `expires_at`; a key seen before returns its entry unchanged."""
    if points <= 0:
        raise ValueError("a credit must be positive")
    book = await _book_for(session, member_id, now)
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
    book = await _book_for(session, member_id, now, held)
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
    book = await _book_for(session, original.member_id, now, held)
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
        rule=original.key,
        actor_id=actor_id,
        reverses_id=original.id,
        first=original.id,
        held=held,
        branch=branch,
    )
    return Reversal(posted, original.amount - take)


async def restore(
    session: AsyncSession, *, debit_key: str, key: str, kind: str, reason: str, now: datetime, rule: str | None
) -> list[Posted]:
    """Give back the points of a debit (a reservation that lapsed): what it took from each lot comes back as a lot
    with that lot's expiry (key `<key>:<lot>`), so giving points back never lengthens their life; a share whose date
    has passed is written off at once. Once: a second call returns nothing."""
    debit = await session.scalar(select(LedgerEntry).where(LedgerEntry.key == debit_key))
    if debit is None or debit.amount >= 0:
        raise ValueError(f"no debit with key {debit_key!r} to give back")
    book = await _book_for(session, debit.member_id, now)
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


async def expire_due_lots(session: AsyncSession, member_id: int, now: datetime) -> list[Notice]:
    """Write off what is left of the member's lots past their date, one entry per lot (key `expire:<lot>`); the
    notices to announce (already in the outbox)."""
    book = Book(session, now)
    await book.lock([member_id])
    return book.expired
