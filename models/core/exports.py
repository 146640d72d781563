"""Rows for a CSV export, streamed from the database in batches so that memory holds one batch at a time.

The session streams over a server-side cursor on PostgreSQL (and SQLite's own stepping), `BATCH` rows a fetch;
each feature declares its export as a header and a query (members, ledger entries, purchases), with instants
formatted by the database (`portable.iso_instant`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

BATCH = 5_000


@dataclass(frozen=True)
class Export:
    header: tuple[str, ...]
    query: Select[*tuple[Any, ...]]
    period_column: InstrumentedAttribute[datetime]  # which instant of a row places it in the period


def in_period(export: Export, since: datetime | None, until: datetime | None) -> Select[*tuple[Any, ...]]:
    query = export.query
    if since is not None:
        query = query.where(export.period_column >= since)
    if until is not None:
        query = query.where(export.period_column < until)
    return query


async def batches(
    session: AsyncSession, export: Export, since: datetime | None, until: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """The export's rows made in the period, a batch at a time, in the order of their ids."""
    connection = await session.connection()  # Core rows: no ORM bookkeeping per row
    result = await connection.stream(in_period(export, since, until).execution_options(yield_per=BATCH))
    async for partition in result.partitions(BATCH):
        yield partition
