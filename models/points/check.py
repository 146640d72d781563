"""Verifying the ledger from scratch: the balances, the lots and the reversals agree with the entries.

Each check is one query that returns the rows that break a rule, so a healthy ledger costs a few scans and a broken
one names exactly what is wrong. Used by `python -m bot check` and by the ledger's property tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.members.registry import Member
from models.points.ledger import LedgerEntry, LotAllocation


@dataclass(frozen=True)
class Problem:
    rule: str
    subject: str
    found: str


@dataclass(frozen=True)
class CheckReport:
    members: int
    entries: int
    points: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _balance_mismatches() -> Select[int, int, int]:
    sums = (
        select(LedgerEntry.member_id, func.sum(LedgerEntry.amount).label("total"))
        .group_by(LedgerEntry.member_id)
        .subquery()
    )
    total = func.coalesce(sums.c.total, 0)
    return (
        select(Member.id, Member.balance, total)
        .outerjoin(sums, sums.c.member_id == Member.id)
        .where(or_(Member.balance != total, Member.balance < 0))
    )


def _last_balance_mismatches() -> Select[int, int, int]:
    last = (
        select(LedgerEntry.member_id, func.max(LedgerEntry.id).label("id")).group_by(LedgerEntry.member_id).subquery()
    )
    return (
        select(Member.id, Member.balance, LedgerEntry.balance_after)
        .join(last, last.c.member_id == Member.id)
        .join(LedgerEntry, LedgerEntry.id == last.c.id)
        .where(LedgerEntry.balance_after != Member.balance)
    )


def _overdrawn_lots() -> Select[int, int, int]:
    used = func.sum(LotAllocation.amount)
    return (
        select(LedgerEntry.id, LedgerEntry.amount, used)
        .join(LotAllocation, LotAllocation.lot_id == LedgerEntry.id)
        .group_by(LedgerEntry.id, LedgerEntry.amount)
        .having(or_(used > LedgerEntry.amount, LedgerEntry.amount <= 0))
    )


def _unallocated_debits() -> Select[int, int, int]:
    allocated = func.coalesce(func.sum(LotAllocation.amount), 0)
    return (
        select(LedgerEntry.id, LedgerEntry.amount, allocated)
        .outerjoin(LotAllocation, LotAllocation.debit_id == LedgerEntry.id)
        .where(LedgerEntry.amount < 0)
        .group_by(LedgerEntry.id, LedgerEntry.amount)
        .having(allocated != -LedgerEntry.amount)
    )


def _foreign_allocations() -> Select[int, int, int]:
    lot = aliased(LedgerEntry)
    return (
        select(LotAllocation.debit_id, LotAllocation.lot_id, LotAllocation.amount)
        .join(LedgerEntry, LedgerEntry.id == LotAllocation.debit_id)
        .join(lot, lot.id == LotAllocation.lot_id)
        .where(or_(lot.member_id != LedgerEntry.member_id, lot.expires_at.is_(None)))
    )


def _bad_reversals() -> Select[int, int, int]:
    original = aliased(LedgerEntry)
    return (
        select(LedgerEntry.id, LedgerEntry.amount, original.amount)
        .join(original, original.id == LedgerEntry.reverses_id)
        .where(
            or_(
                original.member_id != LedgerEntry.member_id,
                LedgerEntry.amount * original.amount >= 0,
                func.abs(LedgerEntry.amount) > func.abs(original.amount),
            )
        )
    )


CHECKS = {
    "balance equals the sum of the member's entries and is not negative": _balance_mismatches,
    "the member's last entry shows their balance": _last_balance_mismatches,
    "a lot is never spent beyond its points": _overdrawn_lots,
    "every debit says which lots it took, in full": _unallocated_debits,
    "a debit takes only from its own member's lots": _foreign_allocations,
    "a reversal undoes at most its entry, for the same member": _bad_reversals,
}


async def verify(session: AsyncSession) -> CheckReport:
    """Run every check; read-only."""
    problems = []
    for rule, query in CHECKS.items():
        for subject, first, second in await session.execute(query()):
            problems.append(Problem(rule, str(subject), f"{first} vs {second}"))
    members = await session.scalar(select(func.count()).select_from(Member))
    entries = await session.scalar(select(func.count()).select_from(LedgerEntry))
    points = await session.scalar(select(func.coalesce(func.sum(Member.balance), 0)))
    return CheckReport(int(members or 0), int(entries or 0), int(points or 0), tuple(problems))
