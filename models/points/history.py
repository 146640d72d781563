"""A member's own ledger, newest first, a page at a time: where every point came from and went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.points.ledger import LedgerEntry

PAGE_SIZE = 8


@dataclass(frozen=True)
class HistoryLine:
    entry_id: int
    at: datetime
    amount: int
    kind: str
    reason: str
    balance_after: int


@dataclass(frozen=True)
class HistoryPage:
    lines: tuple[HistoryLine, ...]
    page: int  # from 0, newest first
    pages: int


async def history(session: AsyncSession, member_id: int, page: int, size: int = PAGE_SIZE) -> HistoryPage:
    """One page of the member's entries; a page past the end shows the last one."""
    total = int(await session.scalar(select(func.count()).where(LedgerEntry.member_id == member_id)) or 0)
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    rows = await session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member_id)
        .order_by(LedgerEntry.id.desc())
        .offset(page * size)
        .limit(size)
    )
    lines = tuple(HistoryLine(e.id, e.created_at, e.amount, e.kind, e.reason, e.balance_after) for e in rows)
    return HistoryPage(lines, page, pages)
