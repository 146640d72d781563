"""Habits from purchases, for a range of member ids, in one pass over the purchases index.

The pass groups a range's purchases by member and category (the order of the covering index
`ix_purchases_analytics`, so nothing is sorted) into the temporary table `habit_groups`, then rolls the groups up
per member into `habits`, with each collection's progress, so that no collection needs a pass of its own. Weekday
and time-of-day counts travel as bit-packed sums: field i of `weekday_pack` (7 bits wide) counts purchases on
weekday i, so one SUM per histogram replaces seven or eight CASE sums, which on SQLite is the difference between ten
and sixty seconds for ten million purchases. A 7-bit field holds at most RHYTHM_PURCHASES, which is why rhythm is
read from the latest RHYTHM_PURCHASES purchases: members with more get their packs recomputed from those alone (a
window function), before any field can overflow.

The scratch tables are temporary (one connection's own) and hold one batch of members at a time: filled, read into
the analytics tables and emptied within one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnExpressionArgument,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.elements import ColumnElement

from models.core import clock
from models.core.portable import DAY, bit, day_number, epoch_seconds, local_seconds
from models.core.programme import Offer, Programme
from models.members.registry import Member
from models.points.purchases import Purchase

RHYTHM_PURCHASES = 127
FIELD_BITS = 7
FIELD_MASK = (1 << FIELD_BITS) - 1
SLOT_HOURS = 3
RHYTHM_MIN_PURCHASES = 4
WEEKDAY_SHARE_PERCENT = 18
SLOT_SHARE_PERCENT = 25
FAVOURITES = 3
FAVOURITE_MIN_PURCHASES = 2
FAVOURITE_SHARE_PERCENT = 20

# The covering index the pass walks (created by migration 0004; declared here, next to the query it serves).
ANALYTICS_INDEX = Index(
    "ix_purchases_analytics",
    Purchase.member_id,
    Purchase.category,
    Purchase.created_at,
    Purchase.amount_cents,
    Purchase.refunded_at,
)

_scratch = MetaData()
habit_groups = Table(
    "habit_groups",
    _scratch,
    Column("member_id", Integer, nullable=False),
    Column("category", String(32)),
    Column("n", Integer, nullable=False),
    Column("spend", BigInteger, nullable=False),
    Column("first_s", BigInteger, nullable=False),  # local seconds of the first and last purchase
    Column("last_s", BigInteger, nullable=False),
    Column("weekday_pack", BigInteger, nullable=False),
    Column("slot_pack", BigInteger, nullable=False),
    Column("top_cents", BigInteger, nullable=False),  # the largest purchase: what a collection's minimum is held to
    prefixes=["TEMPORARY"],
)
habits = Table(
    "habits",
    _scratch,
    Column("member_id", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("spend", BigInteger, nullable=False),
    Column("first_s", BigInteger, nullable=False),
    Column("last_s", BigInteger, nullable=False),
    Column("weekday_pack", BigInteger, nullable=False),
    Column("slot_pack", BigInteger, nullable=False),
    Column("collections", Text, nullable=False),  # JSON text: see `collections_text`
    prefixes=["TEMPORARY"],
)
favourites = Table(  # the favourite categories as `MemberFavourite` should now hold them
    "favourites",
    _scratch,
    Column("member_id", Integer, primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("rank", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
SCRATCH = (habit_groups, habits, favourites)


@dataclass(frozen=True)
class Clock:
    """Where "now" is for one computation: the business zone, today's date and day number there."""

    zone: ZoneInfo
    now: datetime
    today: date

    @classmethod
    def of(cls, programme: Programme, now: datetime) -> Clock:
        return cls(clock.zone(programme), now, clock.business_day(programme, now))

    @property
    def day(self) -> int:
        return day_number(self.today)

    def local(self, moment: ColumnExpressionArgument[datetime]) -> ColumnElement[int]:
        return local_seconds(epoch_seconds(moment), self.zone, self.now)


@dataclass(frozen=True)
class Batch:
    """The members one step works on: an id range, or only the listed ids within it."""

    first_id: int
    last_id: int
    only: tuple[int, ...] = ()

    @classmethod
    def of(cls, member_ids: list[int]) -> Batch:
        return cls(min(member_ids), max(member_ids), tuple(member_ids))

    def holds(self, column: ColumnElement[int] | QueryableAttribute[int]) -> ColumnElement[bool]:
        within = column.between(self.first_id, self.last_id)
        return within & column.in_(self.only) if self.only else within


def _pack(bucket: ColumnElement[int]) -> ColumnElement[int]:
    return bit(bucket * FIELD_BITS)


def _weekday(seconds: ColumnElement[int]) -> ColumnElement[int]:
    return (seconds // DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0


def _slot(seconds: ColumnElement[int]) -> ColumnElement[int]:
    return seconds % DAY // (SLOT_HOURS * 3600)


def _field(pack: ColumnElement[int], index: int) -> ColumnElement[int]:
    return pack.bitwise_rshift(literal_column(str(index * FIELD_BITS), Integer)).bitwise_and(FIELD_MASK)


async def create_scratch(session: AsyncSession) -> None:
    """Temporary tables live per connection: create them unless this one has, and start them empty."""
    for table in SCRATCH:
        await session.execute(CreateTable(table, if_not_exists=True))
        await session.execute(delete(table))


async def clear_scratch(session: AsyncSession) -> None:
    for table in SCRATCH:
        await session.execute(delete(table))


async def fill(session: AsyncSession, programme: Programme, clock: Clock, batch: Batch) -> None:
    """The habit groups, per-member habits and favourites of the batch's current members, in the (empty) scratch
    tables."""
    local = clock.local(Purchase.created_at)
    in_range = and_(batch.holds(Purchase.member_id), Purchase.refunded_at.is_(None))
    groups = (
        select(
            Purchase.member_id,
            Purchase.category,
            func.count(),
            func.sum(Purchase.amount_cents),
            func.min(local),
            func.max(local),
            func.sum(_pack(_weekday(local))),
            func.sum(_pack(_slot(local))),
            func.max(Purchase.amount_cents),
        )
        .where(in_range)
        .group_by(Purchase.member_id, Purchase.category)
    )
    await session.execute(habit_groups.insert().from_select([c.name for c in habit_groups.c], groups))
    g = habit_groups.c
    bought = [func.sum(case((_counts_for(offer), 1), else_=0)) for offer in programme.collections]
    rollup = select(
        g.member_id,
        func.sum(g.n),
        func.sum(g.spend),
        func.min(g.first_s),
        func.max(g.last_s),
        func.sum(g.weekday_pack),
        func.sum(g.slot_pack),
        collections_text(programme, bought),
    ).group_by(g.member_id)
    await session.execute(habits.insert().from_select([c.name for c in habits.c], rollup))
    gone = select(Member.id).where(batch.holds(Member.id), Member.forgotten_at.is_not(None))
    await session.execute(delete(habits).where(habits.c.member_id.in_(gone)))
    await _recent_rhythm_of_frequent_buyers(session, clock, in_range)
    await session.execute(favourites.insert().from_select([c.name for c in favourites.c], _ranked_favourites()))


async def _recent_rhythm_of_frequent_buyers(session: AsyncSession, clock: Clock, in_range: ColumnElement[bool]) -> None:
    frequent = select(habits.c.member_id).where(habits.c.n > RHYTHM_PURCHASES)
    local = clock.local(Purchase.created_at)
    newest_first = func.row_number().over(
        partition_by=Purchase.member_id, order_by=(Purchase.created_at.desc(), Purchase.id.desc())
    )
    latest = (
        select(Purchase.member_id, local.label("s"), newest_first.label("rn"))
        .where(in_range, Purchase.member_id.in_(frequent))
        .subquery()
    )
    packs = (
        select(
            latest.c.member_id,
            func.sum(_pack(_weekday(latest.c.s))).label("weekday_pack"),
            func.sum(_pack(_slot(latest.c.s))).label("slot_pack"),
        )
        .where(latest.c.rn <= RHYTHM_PURCHASES)
        .group_by(latest.c.member_id)
        .subquery()
    )
    await session.execute(
        update(habits)
        .where(habits.c.member_id == packs.c.member_id)
        .values(weekday_pack=packs.c.weekday_pack, slot_pack=packs.c.slot_pack)
    )


def _usual(pack: ColumnElement[int], buckets: int, percent: int, label: int) -> ColumnElement[str]:
    """A JSON list of the buckets holding at least `percent` of the member's (capped) purchases."""
    counted = case((habits.c.n > RHYTHM_PURCHASES, RHYTHM_PURCHASES), else_=habits.c.n)
    parts: ColumnElement[str] = literal_column("''", String)
    for index in range(buckets):
        usual = (habits.c.n >= RHYTHM_MIN_PURCHASES) & (_field(pack, index) * 100 >= counted * percent)
        item = literal_column(f"'{index * label},'", String)
        parts = parts + case((usual, item), else_=literal_column("''", String))
    return literal_column("'['", String) + func.rtrim(parts, literal_column("','", String)) + literal_column("']'")


def usual_weekdays() -> ColumnElement[str]:
    return _usual(habits.c.weekday_pack, 7, WEEKDAY_SHARE_PERCENT, 1)


def usual_hours() -> ColumnElement[str]:
    return _usual(habits.c.slot_pack, 24 // SLOT_HOURS, SLOT_SHARE_PERCENT, SLOT_HOURS)


def _ranked_favourites() -> Select[tuple[int, str, int]]:
    """(member_id, category, rank) rows of each member's favourite categories, ranked by a window function."""
    g = habit_groups.c
    rank = func.row_number().over(partition_by=g.member_id, order_by=(g.n.desc(), g.category)).label("rank")
    ranked = (
        select(g.member_id, g.category, rank)
        .join(habits, habits.c.member_id == g.member_id)
        .where(
            g.category.is_not(None),
            g.n >= FAVOURITE_MIN_PURCHASES,
            g.n * 100 >= habits.c.n * FAVOURITE_SHARE_PERCENT,
        )
        .subquery()
    )
    return select(ranked.c.member_id, ranked.c.category, ranked.c.rank).where(ranked.c.rank <= FAVOURITES)


def _counts_for(offer: Offer) -> ColumnElement[bool]:
    """Whether a habit group counts for a collection: one of its categories, bought since it opened, for at least the
    collection's `min_purchase` once (a purchase of 0.01 does not fill a collection)."""
    counts: ColumnElement[bool] = habit_groups.c.category.in_(offer.collection_items)
    if offer.min_purchase:
        counts = counts & (habit_groups.c.top_cents >= int(offer.min_purchase * 100))
    if offer.available_from is not None:
        counts = counts & (habit_groups.c.last_s >= day_number(offer.available_from) * DAY)
    return counts


def collections_text(programme: Programme, bought: Sequence[ColumnElement[int]]) -> ColumnElement[str]:
    """JSON text of how many categories of each collection offer the member bought (`bought`, in offer order)."""
    text: ColumnElement[str] = literal_column("'{'", String)
    for position, (offer, count) in enumerate(zip(programme.collections, bought, strict=True)):
        text = text + literal(f'{"," if position else ""}"{offer.id}":', String) + cast(count, String)
    return text + literal_column("'}'", String)
