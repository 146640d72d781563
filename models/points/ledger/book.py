"""The book: the postings of one transaction for the members it holds, written together in a fixed number of
statements, with each held member's due expiries written first (see `Book`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Exists, Select, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models.core import outbox
from models.core.base import table_of
from models.core.errors import InsufficientPoints
from models.core.sqlite_trips import write_later, write_with_next
from models.members.registry import Member
from models.points.ledger.entries import (
    ENTRIES,
    LEFT_IN_LOT,
    Lot,
    LotAllocation,
    Notice,
    Posted,
    entry_message,
    expiry_key,
    has_points_left,
    past_its_date,
    take_from,
)


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


_MEMBERS = table_of(Member)
MEMBER_ID = _MEMBERS.c.id  # the held member, for the values `hold_query` reads alongside: correlate them to it


def _has_due_lots() -> Exists:
    """SQL: the query's member has lots past their date (at the parameter `now`) with points left in them."""
    due = select(ENTRIES.c.id).where(
        ENTRIES.c.member_id == MEMBER_ID, past_its_date(bindparam("now")), has_points_left()
    )
    return due.correlate(_MEMBERS).exists()


def hold_query(*also: ColumnElement[Any], referrers: bool = False) -> Select[Any]:
    """The statement `Book.lock` runs: the rows of the members in its expanding parameter `members`, in id order.

    `also` are more values to read about each member in the same statement (a correlated subquery, say); their own
    parameters are passed to `Book.lock`. `referrers` holds the members who invited them too, in the same statement,
    so that rows are always taken in id order and two books cannot wait for each other. Each row also says whether
    the member has lots past their date at the parameter `now`, so that `Book.lock` looks for them (`settle`) only
    then: one statement fewer for the usual batch, where nobody's points are due. Build it once, at import:
    building a statement (and its cache key) costs more than running it for a batch of sales. Written on the
    tables' columns (`also` too, correlated to `MEMBER_ID`), it runs as Core: see `ledger.entries`.
    """
    members: BindParameter[list[int]] = bindparam("members", expanding=True)
    chosen: ColumnElement[bool] = MEMBER_ID.in_(members)
    if referrers:
        invited = _MEMBERS.alias()  # the members being locked, apart from the outer query's rows
        inviters = select(invited.c.referred_by_id).where(
            invited.c.id.in_(members), invited.c.referred_by_id.is_not(None)
        )
        chosen = chosen | MEMBER_ID.in_(inviters.scalar_subquery())
    columns = _MEMBERS.c
    return (
        select(
            columns.id,
            columns.balance,
            columns.tier,
            columns.referred_by_id,
            columns.forgotten_at,
            columns.telegram_id,
            columns.language,
            _has_due_lots(),
            *also,
        )
        .where(chosen)
        .order_by(columns.id)
        .with_for_update(of=_MEMBERS)
    )


_HOLD = hold_query()
# One multi-row INSERT that returns each new id with its unique key (asking for the ids in parameter order instead
# would make SQLite insert a row at a time), and one UPDATE of the balances.
_ADD_ENTRIES = insert(ENTRIES).returning(ENTRIES.c.key, ENTRIES.c.id)
# Neither is read back in the transaction: on SQLite they go with its next statement (often its COMMIT).
_ADD_ALLOCATIONS = write_with_next(insert(table_of(LotAllocation)))
_SET_BALANCES = write_with_next(
    update(_MEMBERS).where(_MEMBERS.c.id == bindparam("member")).values(balance=bindparam("balance"))
)
# The held members' lots with points left, in the order they expire: those past their date (to write off) and, of
# the members about to spend, the others too (what the book's debits take, `Book.take`). One statement either way.
_LOTS = (
    select(ENTRIES.c.member_id, ENTRIES.c.id, LEFT_IN_LOT, ENTRIES.c.expires_at)
    .where(
        ENTRIES.c.member_id.in_(bindparam("members", expanding=True)),
        past_its_date(bindparam("now")) | ENTRIES.c.member_id.in_(bindparam("spending", expanding=True)),
        has_points_left(),
    )
    .order_by(ENTRIES.c.member_id, ENTRIES.c.expires_at, ENTRIES.c.id)
)


class Book:
    """Postings of one transaction at `now`, written together: one INSERT for the entries, one UPDATE for the balances.

    Members are locked first (in id order, so that two books never wait for each other) and their due expiries
    written at once (`settle`), so that a held balance is what can be spent at `now`; each posting moves the held
    balance at once, so several postings for one member see each other and none may take it below zero.
    """

    def __init__(self, session: AsyncSession, now: datetime, zone: tzinfo) -> None:
        self.session = session
        self.now = now
        self.zone = zone  # the business's: an expiry names its lot's date as the member saw it (`/balance`)
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
                    expires_at.astimezone(self.zone).date().isoformat(),
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
        await write_later(self.session, _ADD_ALLOCATIONS, allocations)
        touched = sorted({p.member_id for p in pending})
        await write_later(
            self.session,
            _SET_BALANCES,
            [{"member": member_id, "balance": self._balances[member_id]} for member_id in touched],
        )
        for member_id in touched:
            if (row := self._rows.get(member_id)) is not None:
                set_committed_value(row, "balance", self._balances[member_id])
        return [
            Posted(ids[p.key], p.member_id, p.amount, p.kind, p.reason, p.balance_after, True, p.created_at)
            for p in pending
        ]
