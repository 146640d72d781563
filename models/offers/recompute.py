"""Computing member analytics (rules in `models.analytics.member_stats`): every member nightly, one after a sale.

Habits (frequency, spend, rhythm, favourites, collections) change only with purchases: a refresh after each sale
reads them again for its member, and the nightly run for the members whose purchases, refunds or coupons changed
since the last run (for everyone the first time, or when asked for a full run). Recency changes for everyone every
day, so the nightly run then computes the RFM score boundaries over every buyer (window functions), and rescores,
segments and ranks the offers of every member. It works in batches, one short transaction each, so that a sale at
the till waits at most a moment for SQLite's single writer.

It lives with the offers, above the analytics, because it is the one step that combines them: the analytics it
writes, then each member's best offer and collection payouts from them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Float,
    Integer,
    String,
    Subquery,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.analytics import habits
from models.analytics.habits import Batch, Clock
from models.analytics.member_stats import MemberFavourite, MemberStats, RfmCutoff
from models.analytics.scoring import Cutoffs, compute_cutoffs, load_cutoffs, scores_sql, segment_sql
from models.core.base import UTCDateTime, table_of
from models.core.portable import DAY, date_to_day, day_to_date, json_text, upsert_into
from models.core.programme import Programme
from models.core.uow import Checkpoint, no_checkpoint, writing
from models.members.registry import Member
from models.offers.collections import award_completed, take_back_broken
from models.offers.coupons import Coupon
from models.offers.facts import load_facts
from models.offers.picks import BestOffers, store_best_offers
from models.offers.ranking import Fit, Ranker
from models.points import ledger
from models.points.purchases import Purchase

RANGE = 50_000  # members per transaction when every member is rescored and ranked
CATCH_UP = 2_000  # members per transaction when only some have their habits read again


@dataclass(frozen=True)
class Refreshed:
    """A member's analytics after a sale: their segment and best offer, and collection payouts to announce."""

    segment: str
    best_offer: str | None
    notices: tuple[ledger.Notice, ...]


@dataclass(frozen=True)
class NightlyReport:
    members: int
    reread: int  # members whose habits were read again from purchases
    seconds: float


def _discount_shares(batch: Batch) -> Subquery:
    discounts = func.sum(case((Coupon.kind == "discount", 1), else_=0))
    return (
        select(Coupon.member_id, (cast(discounts, Float) / func.count()).label("share"))
        .where(batch.holds(Coupon.member_id), Coupon.redeemed_at.is_not(None))
        .group_by(Coupon.member_id)
        .subquery()
    )


def _stats_rows(programme: Programme, clock: Clock, cutoffs: Cutoffs | None, batch: Batch) -> tuple[list[str], object]:
    """The member_stats rows of the batch, from the scratch tables: column names and the SELECT."""
    h = habits.habits.c
    first_day, last_day = h.first_s // DAY, h.last_s // DAY
    recency = clock.day - last_day
    frequency = func.coalesce(h.n, 0)
    monetary = func.coalesce(h.spend, 0)
    r, f, m = scores_sql(cutoffs, recency, frequency, monetary)
    tenure = clock.day - func.coalesce(first_day, clock.local(Member.joined_at) // DAY)
    shares = _discount_shares(batch)
    query = (
        select(Member.id)
        .outerjoin(habits.habits, h.member_id == Member.id)
        .outerjoin(shares, shares.c.member_id == Member.id)
        .where(batch.holds(Member.id), Member.forgotten_at.is_(None))
    )
    liked = habits.favourites.c
    tops = [func.max(case((liked.rank == rank, liked.category))) for rank in range(1, habits.FAVOURITES + 1)]
    top = select(liked.member_id, *tops).group_by(liked.member_id).subquery()
    query = query.outerjoin(top, top.c.member_id == Member.id)
    joined: ColumnElement[str] = literal("", String)
    for column in list(top.c)[1:]:
        joined = joined + literal(",", String) + func.coalesce(column, "")
    favourites = func.rtrim(func.ltrim(joined, ","), ",")
    nothing = habits.collections_text(programme, [literal(0, Integer)] * len(programme.collections))
    values: dict[str, object] = {
        "member_id": Member.id,
        "recency_days": recency,
        "frequency": frequency,
        "monetary_cents": monetary,
        "r_score": r,
        "f_score": f,
        "m_score": m,
        "segment": segment_sql(r, f, m, tenure),
        "usual_weekdays": json_text(habits.usual_weekdays()),
        "usual_hours": json_text(habits.usual_hours()),
        "expected_next_visit": case(  # the last purchase day plus the average gap, from two purchases on
            (h.n >= 2, day_to_date(last_day + (last_day - first_day) // (h.n - 1)))
        ),
        "discount_share": func.coalesce(shares.c.share, 0.0),
        "computed_at": literal(clock.now, UTCDateTime()),
        "first_purchase_on": day_to_date(first_day),
        "last_purchase_on": day_to_date(last_day),
        "collections": json_text(func.coalesce(h.collections, nothing)),
        "favourites": favourites,
    }
    return list(values), query.with_only_columns(*values.values())  # type: ignore[call-overload]


async def _write_favourites(session: AsyncSession, batch: Batch) -> None:
    """Make the batch's stored favourites those in the scratch table, touching only the rows that differ: most
    members keep their favourites from one run to the next, and rewriting them all was a tenth of a full run."""
    stored, fresh = table_of(MemberFavourite), habits.favourites
    same_member = (fresh.c.member_id == stored.c.member_id) & (fresh.c.category == stored.c.category)
    kept = select(fresh.c.member_id).where(same_member, fresh.c.rank == stored.c.rank).exists()
    await session.execute(delete(stored).where(batch.holds(stored.c.member_id), ~kept))
    missing = ~select(stored.c.member_id).where(same_member).exists()
    await session.execute(insert(stored).from_select([c.name for c in fresh.c], select(fresh).where(missing)))


async def _write(
    session: AsyncSession, programme: Programme, clock: Clock, cutoffs: Cutoffs | None, batch: Batch
) -> None:
    """Habits, stats and favourites of the batch, read again from purchases; inside the caller's transaction."""
    # Hold the members' rows (PostgreSQL; SQLite's write lock already does), so that two refreshes of one member
    # at once cannot both delete and then both insert its stats. Counted, not fetched: a batch is 50,000 rows.
    held = select(Member.id).where(batch.holds(Member.id)).with_for_update().subquery()
    await session.execute(select(func.count()).select_from(held))
    await habits.create_scratch(session)
    await habits.fill(session, programme, clock, batch)
    await _write_favourites(session, batch)
    columns, rows = _stats_rows(programme, clock, cutoffs, batch)
    forgotten = select(Member.id).where(batch.holds(Member.id), Member.forgotten_at.is_not(None))
    await session.execute(delete(MemberStats).where(MemberStats.member_id.in_(forgotten)))
    # Every current member of the batch gets a row; one that had a row keeps its best offer, so that the ranking
    # afterwards writes only the picks that changed (rewriting them all was a tenth of a full run).
    upsert = upsert_into(session, table_of(MemberStats)).from_select(columns, rows)  # type: ignore[arg-type]
    kept = {"member_id", "best_offer"}
    updated = {column: upsert.excluded[column] for column in columns if column not in kept}
    await session.execute(upsert.on_conflict_do_update(index_elements=[MemberStats.member_id], set_=updated))
    await habits.clear_scratch(session)


def _recency(clock: Clock) -> ColumnElement[int]:
    return clock.day - date_to_day(MemberStats.last_purchase_on)


def _buyers(clock: Clock) -> Subquery:
    s = MemberStats
    recency = _recency(clock).label("recency_days")
    return select(recency, s.frequency, s.monetary_cents).where(s.frequency > 0).subquery()


async def _rescore(session: AsyncSession, clock: Clock, cutoffs: Cutoffs, batch: Batch) -> None:
    """The RFM scores against today's boundaries and the segment, written for the members of the batch they changed."""
    s = MemberStats
    r, f, m = scores_sql(cutoffs, _recency(clock), s.frequency, s.monetary_cents)  # type: ignore[arg-type]
    joined = select(clock.local(Member.joined_at) // DAY).where(Member.id == s.member_id).scalar_subquery()
    started = func.coalesce(date_to_day(s.first_purchase_on), joined)  # joining only counts without purchases
    segment = segment_sql(r, f, m, clock.day - started)
    changed = or_(s.r_score != r, s.f_score != f, s.m_score != m, s.segment != segment)
    await session.execute(
        update(s).where(batch.holds(s.member_id), changed).values(r_score=r, f_score=f, m_score=m, segment=segment)
    )


async def _changed_since(session: AsyncSession, since: datetime) -> list[int]:
    """Members whose purchases, refunds or redeemed coupons came after `since`, and current members without stats."""
    bought = select(Purchase.member_id).where(or_(Purchase.created_at >= since, Purchase.refunded_at >= since))
    redeemed = select(Coupon.member_id).where(Coupon.redeemed_at >= since)
    missing = (
        select(Member.id)
        .outerjoin(MemberStats, MemberStats.member_id == Member.id)
        .where(MemberStats.member_id.is_(None), Member.forgotten_at.is_(None))
    )
    return sorted(await session.scalars(union(bought, redeemed, missing)))


async def recompute_all(
    session: AsyncSession,
    programme: Programme,
    now: datetime,
    *,
    full: bool = False,
    checkpoint: Checkpoint = no_checkpoint,
) -> NightlyReport:
    """The nightly run (see the module's description); `full` reads every member's habits again. `checkpoint`
    comes after each batch of members."""
    await writing(session)
    started = time.perf_counter()
    clock = Clock.of(programme, now)
    top = int(await session.scalar(select(func.max(Member.id))) or 0)
    ranges = [Batch(low, min(low + RANGE - 1, top)) for low in range(1, top + 1, RANGE)]
    last_run = await session.scalar(select(func.min(RfmCutoff.computed_at)))
    if full or last_run is None:
        reread, count = ranges, top
    else:
        changed = await _changed_since(session, last_run)
        reread, count = [Batch.of(changed[at : at + CATCH_UP]) for at in range(0, len(changed), CATCH_UP)], len(changed)
    cutoffs = await load_cutoffs(session)
    for batch in reread:
        await _write(session, programme, clock, cutoffs, batch)
        await checkpoint()
    cutoffs = await compute_cutoffs(session, _buyers(clock), now)
    await checkpoint()
    best = BestOffers(programme, clock)
    members = 0
    for batch in ranges:
        if cutoffs is not None:
            await _rescore(session, clock, cutoffs, batch)
        lean = await best.load(session, programme, batch)
        await store_best_offers(session, best.choose(lean))
        await checkpoint()
        members += len(lean.rows)
    return NightlyReport(members, count, time.perf_counter() - started)


async def refresh_member(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> Refreshed:
    """Recompute one member's analytics after a sale or refund, and pay any collection it completed."""
    await writing(session)
    clock = Clock.of(programme, now)
    batch = Batch(member_id, member_id)
    cutoffs = await load_cutoffs(session)
    await _write(session, programme, clock, cutoffs, batch)
    if cutoffs is None and (cutoffs := await compute_cutoffs(session, _buyers(clock), now)) is not None:
        await _rescore(session, clock, cutoffs, batch)  # before the first nightly run: against everyone so far
    stats = (
        await session.execute(
            select(MemberStats.segment, MemberStats.collections).where(MemberStats.member_id == member_id)
        )
    ).one_or_none()
    if stats is None:  # a forgotten member: nothing is kept
        return Refreshed("lost", None, ())
    paid = await award_completed(session, programme, member_id, stats.collections, now)
    paid += await take_back_broken(session, programme, member_id, stats.collections, now)
    notices = [notice for posted in paid if (notice := await ledger.announce(session, posted)) is not None]
    facts = (await load_facts(session, programme, member_id, member_id, clock.today, now))[member_id]
    best = Ranker(programme).best(Fit.of(facts, programme.offers), costs_no_points=True)
    await store_best_offers(session, {member_id: best.id if best else None})
    return Refreshed(stats.segment, best.id if best else None, tuple(notices))
