"""Closed business days' figures, counted once: what the console's dashboard sums instead of scanning the base tables.

A business day is a local day of the programme's zone. Once it is over (and GRACE has passed, for transactions
still open at midnight), its figures can only change through a writer that changes an old row: today that is a
refund of one of its purchases (`forget_day`, called in the refund's own transaction, deletes the day's row, so
it is counted again when next needed). Every other write the figures read is dated `now`, so it lands in a day that
is still counted live (members join now, the ledger is append-only, an erasure writes the points off now and keeps
purchases and entries). A day counted in another zone than the programme's current one is counted again.

A day's row holds its new members, points issued and redeemed, the net of all its ledger entries (points
outstanding are the sum of every day's net), its distinct buyers as a bitmap of member ids (zlib-compressed, so
that a period's distinct buyers are the popcount of the OR of its days), and its sales per branch (a child row per
branch, deleted with the day). Rows are written read-through (`period_days`, `totals_before`: the days a reader
needs, a few at a time) and ahead of time by the nightly job (`count_closed_days`).

Exactness under concurrency: counting a day and the writer's delete exclude each other. On SQLite the counting
happens inside the write lock; on PostgreSQL the counter first locks `business_days` in SHARE ROW EXCLUSIVE mode,
which waits for every open transaction that deleted a row and makes later deletes wait until it commits.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
    String,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from models.core import clock
from models.core.base import Base, table_of
from models.core.portable import DAY, EPOCH_DAY, dialect_of, epoch_seconds, local_seconds
from models.core.programme import Programme
from models.core.uow import Checkpoint, writing
from models.members.registry import Member
from models.points.ledger import SPENDING_KINDS, LedgerEntry
from models.points.purchases import Purchase

NO_BRANCH = ""  # the stored branch of sales made at no branch (owners, admins, a programme without branches)
GRACE = timedelta(minutes=15)  # a day is closed this long after its midnight: later, nothing is written into it
CHUNK_DAYS = 31  # days counted per pass over the base tables (bounds the memory of their buyers' ids)
# A reader counts and stores at most this many missing closed days (on SQLite it holds the write lock meanwhile, so
# the till waits); with more missing (a history not counted yet: before the first night after an upgrade) it counts
# what it needs from the base tables without storing, and leaves storing to the nightly job.
READ_THROUGH_DAYS = CHUNK_DAYS


class BusinessDay(Base):
    __tablename__ = "business_days"
    __table_args__ = (
        CheckConstraint("new_members >= 0", name="new_members_counted"),
        CheckConstraint("points_issued >= 0", name="issued_counted"),
        CheckConstraint("points_redeemed >= 0", name="redeemed_counted"),
        CheckConstraint("buyers >= 0", name="buyers_counted"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))  # the programme's zone the day was counted in
    new_members: Mapped[int]
    points_issued: Mapped[int] = mapped_column(BigInteger)
    points_redeemed: Mapped[int] = mapped_column(BigInteger)  # as a positive number
    points_net: Mapped[int] = mapped_column(BigInteger)  # every entry of the day, summed
    buyers: Mapped[int]  # distinct members who bought (and did not refund)
    buyer_ids: Mapped[bytes] = mapped_column(LargeBinary)  # `pack`ed bitmap of their member ids
    counted_at: Mapped[datetime]


class BusinessDaySales(Base):
    __tablename__ = "business_day_sales"
    __table_args__ = (
        CheckConstraint("sales > 0", name="some_sales"),
        CheckConstraint("amount_cents > 0", name="positive"),
    )

    day: Mapped[date] = mapped_column(ForeignKey("business_days.day", ondelete="CASCADE"), primary_key=True)
    branch: Mapped[str] = mapped_column(String(32), primary_key=True)  # NO_BRANCH for none
    sales: Mapped[int]
    amount_cents: Mapped[int] = mapped_column(BigInteger)


def bitmap(member_ids: Iterable[int]) -> int:
    """A set of member ids as an int whose bit n says whether member n is in it (OR unites sets, `bit_count` sizes
    them)."""
    ids = list(member_ids)
    bits = bytearray((max(ids) >> 3) + 1 if ids else 0)
    for member_id in ids:
        bits[member_id >> 3] |= 1 << (member_id & 7)
    return int.from_bytes(bits, "little")


def pack(bits: int) -> bytes:
    return zlib.compress(bits.to_bytes((bits.bit_length() + 7) // 8, "little"))


def unpack(blob: bytes) -> int:
    return int.from_bytes(zlib.decompress(blob), "little")


@dataclass
class DayFigures:
    """One business day's figures, stored (a closed day) or counted live."""

    day: date
    new_members: int = 0
    points_issued: int = 0
    points_redeemed: int = 0  # as a positive number
    points_net: int = 0
    counted_buyers: int = 0  # `bitmap` of the members who bought and did not refund, of a day counted here
    stored_buyers: bytes | None = None  # or as stored (`pack`), unpacked only when asked for
    sales: dict[str | None, tuple[int, int]] = field(default_factory=dict)  # branch -> (sales, amount in cents)

    @property
    def buyers(self) -> int:
        """The `bitmap` of the day's buyers."""
        return self.counted_buyers if self.stored_buyers is None else unpack(self.stored_buyers)


def span(programme: Programme, first: date, last: date) -> tuple[datetime, datetime]:
    """The instants business days `first` to `last` cover: the first day's midnight to the midnight after the last."""
    return (
        clock.from_local(programme, datetime.combine(first, time())),
        clock.from_local(programme, datetime.combine(last + timedelta(days=1), time())),
    )


def first_open_day(programme: Programme, now: datetime) -> date:
    """The earliest day still counted live: today, or yesterday until GRACE after midnight (a transaction open at
    midnight may still commit into it)."""
    return clock.business_day(programme, now - GRACE)


def _local_day(column: InstrumentedAttribute[datetime], programme: Programme, end: datetime) -> ColumnElement[int]:
    """The business day of a stored instant, with the zone's offsets of the three years up to `end` (exact for the
    ranges `count_days` counts)."""
    return local_seconds(epoch_seconds(column), clock.zone(programme), end) // DAY


async def count_days(session: AsyncSession, programme: Programme, first: date, last: date) -> list[DayFigures]:
    """Every day's figures from `first` to `last` straight from the base tables: members by `joined_at`, ledger
    entries and purchases by `created_at`, each an index range read once."""
    start, end = span(programme, first, last)
    days = [DayFigures(first + timedelta(days=n)) for n in range((last - first).days + 1)]

    def of(number: int) -> DayFigures:
        return days[int(number) - (first - EPOCH_DAY).days]

    joined = _local_day(Member.joined_at, programme, end)
    for number, count in await session.execute(
        select(joined, func.count()).where(Member.joined_at >= start, Member.joined_at < end).group_by(joined)
    ):
        of(number).new_members = int(count)
    entered = _local_day(LedgerEntry.created_at, programme, end)
    for number, issued, redeemed, net in await session.execute(
        select(
            entered,
            func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.amount > 0), 0),
            func.coalesce(func.sum(LedgerEntry.amount).filter(LedgerEntry.kind.in_(SPENDING_KINDS)), 0),
            func.sum(LedgerEntry.amount),
        )
        .where(LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
        .group_by(entered)
    ):
        figures = of(number)
        figures.points_issued, figures.points_redeemed, figures.points_net = int(issued), -int(redeemed), int(net)
    sold = _local_day(Purchase.created_at, programme, end)
    kept = (Purchase.created_at >= start, Purchase.created_at < end, Purchase.refunded_at.is_(None))
    for number, branch, count, amount in await session.execute(
        select(sold, Purchase.branch, func.count(), func.sum(Purchase.amount_cents))
        .where(*kept)
        .group_by(sold, Purchase.branch)
    ):
        of(number).sales[branch] = (int(count), int(amount))
    buyers: dict[int, list[int]] = defaultdict(list)
    for number, member_id in await session.execute(select(sold, Purchase.member_id).where(*kept)):
        buyers[number].append(member_id)
    for number, ids in buyers.items():
        of(number).counted_buyers = bitmap(ids)
    return days


async def _stored_days(session: AsyncSession, programme: Programme, first: date, last: date) -> set[date]:
    found = await session.scalars(
        select(BusinessDay.day).where(
            BusinessDay.day >= first, BusinessDay.day <= last, BusinessDay.zone == programme.timezone
        )
    )
    return set(found)


async def _lock(session: AsyncSession) -> None:
    """Take the right to count days: on SQLite the write lock; on PostgreSQL also a table lock that waits for open
    transactions that forgot a day and holds off new ones until this one commits (see the module)."""
    await writing(session)
    if dialect_of(session) == "postgresql":
        await session.execute(text("LOCK TABLE business_days IN SHARE ROW EXCLUSIVE MODE"))


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days, each at most CHUNK_DAYS long."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and day == runs[-1][1] + timedelta(days=1) and (day - runs[-1][0]).days < CHUNK_DAYS:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


async def store_days(session: AsyncSession, programme: Programme, first: date, last: date, now: datetime) -> int:
    """Count and store every closed day from `first` to `last` that is not stored yet; how many were counted."""
    last = min(last, first_open_day(programme, now) - timedelta(days=1))
    if last < first:
        return 0
    wanted = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    if not wanted - await _stored_days(session, programme, first, last):
        return 0
    await _lock(session)  # then look again: another process may have counted them meanwhile
    missing = sorted(wanted - await _stored_days(session, programme, first, last))
    if not missing:
        return 0
    # Days counted in another zone are replaced.
    await session.execute(delete(BusinessDay).where(BusinessDay.day.in_(missing)))
    for run_first, run_last in _runs(missing):
        await _insert(session, programme, await count_days(session, programme, run_first, run_last), now)
    return len(missing)


async def _insert(session: AsyncSession, programme: Programme, days: list[DayFigures], now: datetime) -> None:
    if not days:
        return
    await session.execute(
        insert(table_of(BusinessDay)),
        [
            {
                "day": d.day,
                "zone": programme.timezone,
                "new_members": d.new_members,
                "points_issued": d.points_issued,
                "points_redeemed": d.points_redeemed,
                "points_net": d.points_net,
                "buyers": d.counted_buyers.bit_count(),
                "buyer_ids": pack(d.counted_buyers),
                "counted_at": now,
            }
            for d in days
        ],
    )
    sales = [
        {"day": d.day, "branch": NO_BRANCH if branch is None else branch, "sales": count, "amount_cents": amount}
        for d in days
        for branch, (count, amount) in d.sales.items()
    ]
    if sales:
        await session.execute(insert(table_of(BusinessDaySales)), sales)


async def forget_day(session: AsyncSession, programme: Programme, moment: datetime) -> None:
    """The figures of the business day of `moment` changed: drop its row (and its sales), to be counted again when
    next needed. Called in the transaction that changed it."""
    await session.execute(delete(BusinessDay).where(BusinessDay.day == clock.business_day(programme, moment)))


async def _read_days(session: AsyncSession, programme: Programme, first: date, last: date) -> list[DayFigures]:
    in_range = (BusinessDay.day >= first, BusinessDay.day <= last, BusinessDay.zone == programme.timezone)
    days = {
        day: DayFigures(day, new, issued, redeemed, net, stored_buyers=ids)
        for day, new, issued, redeemed, net, ids in await session.execute(
            select(
                BusinessDay.day,
                BusinessDay.new_members,
                BusinessDay.points_issued,
                BusinessDay.points_redeemed,
                BusinessDay.points_net,
                BusinessDay.buyer_ids,
            ).where(*in_range)
        )
    }
    for day, branch, count, amount in await session.execute(
        select(BusinessDaySales.day, BusinessDaySales.branch, BusinessDaySales.sales, BusinessDaySales.amount_cents)
        .join(BusinessDay, BusinessDay.day == BusinessDaySales.day)
        .where(*in_range)
    ):
        days[day].sales[None if branch == NO_BRANCH else branch] = (count, amount)
    return [days[day] for day in sorted(days)]


async def period_days(
    session: AsyncSession, programme: Programme, first: date, last: date, now: datetime
) -> list[DayFigures]:
    """The figures of every day from `first` to `last`: closed days stored (a few missing ones counted and stored
    first, see READ_THROUGH_DAYS), the others counted live."""
    opening = first_open_day(programme, now)
    closed: list[DayFigures] = []
    counted_from = first  # the days from here on are counted from the base tables
    if first < opening:
        closed_last = min(last, opening - timedelta(days=1))
        stored = await _stored_days(session, programme, first, closed_last)
        if (closed_last - first).days + 1 - len(stored) <= READ_THROUGH_DAYS:
            await store_days(session, programme, first, closed_last, now)
            closed = await _read_days(session, programme, first, closed_last)
            counted_from = closed_last + timedelta(days=1)
    live = await count_days(session, programme, counted_from, last) if last >= counted_from else []
    return closed + live


async def _history_start(session: AsyncSession, programme: Programme) -> date | None:
    """The business day of the earliest member, ledger entry or purchase: days before it have nothing to count."""
    earliest = [
        await session.scalar(select(func.min(column)))
        for column in (Member.joined_at, LedgerEntry.created_at, Purchase.created_at)
    ]
    found = [moment for moment in earliest if moment is not None]
    return clock.business_day(programme, min(found)) if found else None


async def totals_before(session: AsyncSession, programme: Programme, day: date, now: datetime) -> tuple[int, int]:
    """(members who joined, points net) over every day before `day`: the closed days' stored figures summed in the
    database (a few missing ones counted and stored first, see READ_THROUGH_DAYS), the others summed live."""
    start = await _history_start(session, programme)
    if start is None or start >= day:
        return 0, 0
    opening = first_open_day(programme, now)
    last_closed = min(day, opening) - timedelta(days=1)
    joined = net = 0
    counted_from = start  # the days from here on are summed from the base tables
    if start <= last_closed:
        expected = (last_closed - start).days + 1
        in_range = (BusinessDay.day >= start, BusinessDay.day <= last_closed, BusinessDay.zone == programme.timezone)
        stored = await session.scalar(select(func.count()).where(*in_range)) or 0
        if stored < expected and expected - stored <= READ_THROUGH_DAYS:
            await store_days(session, programme, start, last_closed, now)
            stored = expected
        if stored == expected:
            joined, net = (
                await session.execute(
                    select(
                        func.coalesce(func.sum(BusinessDay.new_members), 0),
                        func.coalesce(func.sum(BusinessDay.points_net), 0),
                    ).where(*in_range)
                )
            ).one()
            counted_from = last_closed + timedelta(days=1)
    if day > counted_from:
        since, until = span(programme, counted_from, day - timedelta(days=1))
        joined += (
            await session.scalar(select(func.count()).where(Member.joined_at >= since, Member.joined_at < until)) or 0
        )
        net += (
            await session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                    LedgerEntry.created_at >= since, LedgerEntry.created_at < until
                )
            )
            or 0
        )
    return int(joined), int(net)


async def count_closed_days(session: AsyncSession, programme: Programme, now: datetime, checkpoint: Checkpoint) -> int:
    """Count every closed day not stored yet (the nightly job: yesterday, or the whole history on its first night),
    a chunk at a time with a checkpoint after each; how many days were counted."""
    start = await _history_start(session, programme)
    if start is None:
        return 0
    last = first_open_day(programme, now) - timedelta(days=1)
    counted = 0
    while start <= last:
        through = min(last, start + timedelta(days=CHUNK_DAYS - 1))
        counted += await store_days(session, programme, start, through, now)
        await checkpoint()
        start = through + timedelta(days=1)
    return counted
