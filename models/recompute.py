"""Computing member analytics (rules in `models.analytics`): every member nightly, one member after each sale.

The nightly run keeps one connection, so that its temporary scratch tables outlive its transactions, and works
through members in id ranges, one short transaction each, so that a sale at the till waits at most a moment for
SQLite's single writer: (1) the habits of each range from purchases; (2) the RFM score boundaries over every buyer
(window functions); (3) each range's stats, favourites and best offer. A refresh after a sale runs the same SQL for
one member, scored against the stored boundaries.
"""

from __future__ import annotations

import json
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Float, String, Subquery, case, cast, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models import habits, ledger
from models.analytics import MemberFavourite, MemberStats
from models.base import UTCDateTime
from models.collections import award_completed, collections
from models.coupons import Coupon
from models.facts import badges_in, coupon_uses, in_birthday_week, load_facts
from models.habits import Clock
from models.members import Member
from models.offers import HIGH_VALUE_SCORE, Fit, Ranker
from models.portable import DAY, date_to_day, day_to_date, json_text
from models.programme import Programme
from models.scoring import Cutoffs, compute_cutoffs, load_cutoffs, scores_sql, segment_sql

RANGE = 50_000  # members per transaction in the nightly run


@dataclass(frozen=True)
class Refreshed:
    """A member's analytics after a sale: their segment and best offer, and collection payouts to announce."""

    segment: str
    best_offer: str | None
    notices: tuple[ledger.Notice, ...]


@dataclass(frozen=True)
class NightlyReport:
    members: int
    seconds: float


def _discount_shares(first_id: int, last_id: int) -> Subquery:
    discounts = func.sum(case((Coupon.kind == "discount", 1), else_=0))
    return (
        select(Coupon.member_id, (cast(discounts, Float) / func.count()).label("share"))
        .where(Coupon.member_id.between(first_id, last_id), Coupon.redeemed_at.is_not(None))
        .group_by(Coupon.member_id)
        .subquery()
    )


def _stats_rows(
    programme: Programme, clock: Clock, cutoffs: Cutoffs | None, first_id: int, last_id: int
) -> tuple[list[str], object]:
    """The member_stats rows of the range, from the scratch tables: column names and the SELECT."""
    h = habits.habits.c
    first_day, last_day = h.first_s // DAY, h.last_s // DAY
    recency = clock.day - last_day
    frequency = func.coalesce(h.n, 0)
    monetary = func.coalesce(h.spend, 0)
    r, f, m = scores_sql(cutoffs, recency, frequency, monetary)
    tenure = clock.day - func.coalesce(first_day, clock.local(Member.joined_at) // DAY)
    shares = _discount_shares(first_id, last_id)
    query = (
        select(Member.id)
        .outerjoin(habits.habits, h.member_id == Member.id)
        .outerjoin(shares, shares.c.member_id == Member.id)
        .where(Member.id.between(first_id, last_id), Member.forgotten_at.is_(None))
    )
    collected: ColumnElement[str] = literal("{", String)
    for position, offer in enumerate(collections(programme)):
        progress = habits.collection_progress(offer, first_id, last_id).subquery()
        query = query.outerjoin(progress, progress.c.member_id == Member.id)
        bought = cast(func.coalesce(progress.c.bought, 0), String)
        collected = collected + literal(f'{"," if position else ""}"{offer.id}":', String) + bought
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
        "collections": json_text(collected + literal("}", String)),
    }
    return list(values), query.with_only_columns(*values.values())  # type: ignore[call-overload]


async def _write_range(
    session: AsyncSession, programme: Programme, clock: Clock, cutoffs: Cutoffs | None, first_id: int, last_id: int
) -> None:
    """Stats and favourites of members first_id..last_id, from the habits already in the scratch tables."""
    # Hold the members' rows (PostgreSQL; SQLite's write lock already does), so that two refreshes of one member
    # at once cannot both delete and then both insert its stats.
    await session.execute(select(Member.id).where(Member.id.between(first_id, last_id)).with_for_update())
    columns, rows = _stats_rows(programme, clock, cutoffs, first_id, last_id)
    await session.execute(delete(MemberStats).where(MemberStats.member_id.between(first_id, last_id)))
    await session.execute(insert(MemberStats).from_select(columns, rows))  # type: ignore[arg-type]
    await session.execute(delete(MemberFavourite).where(MemberFavourite.member_id.between(first_id, last_id)))
    favourites = habits.favourites(first_id, last_id)
    await session.execute(insert(MemberFavourite).from_select(["member_id", "category", "rank"], favourites))


async def _rescore(session: AsyncSession, clock: Clock, cutoffs: Cutoffs, member_id: int) -> None:
    s = MemberStats
    r, f, m = scores_sql(cutoffs, s.recency_days, s.frequency, s.monetary_cents)  # type: ignore[arg-type]
    started = func.coalesce(date_to_day(s.first_purchase_on), clock.local(Member.joined_at) // DAY)
    await session.execute(
        update(s)
        .where(s.member_id == Member.id, s.member_id == member_id)
        .values(r_score=r, f_score=f, m_score=m, segment=segment_sql(r, f, m, clock.day - started))
    )


async def _store_best_offers(session: AsyncSession, picks: dict[int, str | None]) -> None:
    changes = [{"member_id": member_id, "best_offer": offer_id} for member_id, offer_id in picks.items() if offer_id]
    if changes:
        await session.execute(update(MemberStats), changes)  # an UPDATE by primary key, executed for every row


class _BestOffers:
    """Best offers for ranges of members, straight from lean rows: members that look alike share one ranking."""

    def __init__(self, programme: Programme, clock: Clock) -> None:
        self.ranker = Ranker(programme)
        self.clock = clock
        self.costs = sorted({offer.points_cost for offer in programme.offers})
        self.birthdays: dict[str | None, bool] = {None: False}
        self.known: dict[tuple[object, ...], str | None] = {}

    def _birthday_week(self, birthday: str | None) -> bool:
        if birthday not in self.birthdays:
            self.birthdays[birthday] = in_birthday_week(date.fromisoformat(str(birthday)[:10]), self.clock.today)
        return self.birthdays[birthday]

    async def pick(
        self, session: AsyncSession, programme: Programme, first_id: int, last_id: int
    ) -> dict[int, str | None]:
        uses = await coupon_uses(session, programme, first_id, last_id, self.clock.now)
        badges = await badges_in(session, first_id, last_id)
        f = MemberFavourite
        ranked = [func.max(case((f.rank == rank, f.category))).label(f"f{rank}") for rank in (1, 2, 3)]
        top = (
            select(f.member_id, *ranked).where(f.member_id.between(first_id, last_id)).group_by(f.member_id).subquery()
        )
        s = MemberStats
        rows = await session.execute(
            select(
                s.member_id,
                s.segment,
                s.m_score,
                Member.tier,
                Member.balance,
                cast(Member.birthday, String),
                cast(s.collections, String),
                top.c.f1,
                top.c.f2,
                top.c.f3,
            )
            .join(Member, Member.id == s.member_id)
            .outerjoin(top, top.c.member_id == s.member_id)
            .where(s.member_id.between(first_id, last_id))
        )
        picks = {}
        for member_id, segment, m, tier, balance, birthday, done, f1, f2, f3 in rows:
            member_uses = uses.get(member_id)
            member_badges = badges.get(member_id, frozenset())
            key = (
                segment,
                m >= HIGH_VALUE_SCORE,
                tier,
                bisect_right(self.costs, balance),
                self._birthday_week(birthday),
                done,
                f1,
                f2,
                f3,
                tuple(sorted(member_uses.items())) if member_uses else (),
                member_badges,
            )
            if key not in self.known:
                fit = Fit.build(
                    self.ranker.catalogue,
                    today=self.clock.today,
                    segment=segment,
                    m=m,
                    tier=tier,
                    balance=balance,
                    favourites=tuple(c for c in (f1, f2, f3) if c is not None),
                    birthday_week=self._birthday_week(birthday),
                    collections=tuple(sorted(json.loads(done).items())),
                    badges=member_badges,
                    uses=dict(member_uses or {}),
                )
                best = self.ranker.best(fit)
                self.known[key] = best.id if best else None
            picks[member_id] = self.known[key]
        return picks


def _ranges(top: int) -> list[tuple[int, int]]:
    return [(low, min(low + RANGE - 1, top)) for low in range(1, top + 1, RANGE)]


async def _nightly(work: AsyncSession, programme: Programme, now: datetime) -> int:
    clock = Clock.of(programme, now)
    ranges = _ranges(int(await work.scalar(select(func.max(Member.id))) or 0))
    await habits.create_scratch(work)
    await work.commit()
    try:
        for first_id, last_id in ranges:
            await habits.fill(work, clock, first_id, last_id)
            await work.commit()
        cutoffs = await compute_cutoffs(work, habits.buyers(clock), now)
        await work.commit()
        best = _BestOffers(programme, clock)
        members = 0
        for first_id, last_id in ranges:
            await _write_range(work, programme, clock, cutoffs, first_id, last_id)
            picks = await best.pick(work, programme, first_id, last_id)
            await _store_best_offers(work, picks)
            await work.commit()
            members += len(picks)
        return members
    finally:
        await work.rollback()
        await habits.clear_scratch(work)
        await work.commit()


async def recompute_all(session: AsyncSession, programme: Programme, now: datetime) -> NightlyReport:
    """The nightly run over every member: analytics, RFM segments and best offers. Commits range by range."""
    started = time.perf_counter()
    bind = session.bind
    assert isinstance(bind, AsyncEngine | AsyncConnection)
    engine = bind if isinstance(bind, AsyncEngine) else bind.engine
    async with engine.connect() as connection:
        work = AsyncSession(bind=connection, expire_on_commit=False)
        try:
            members = await _nightly(work, programme, now)
        finally:
            await work.close()
    return NightlyReport(members, time.perf_counter() - started)


async def refresh_member(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> Refreshed:
    """Recompute one member's analytics after a sale or refund, and pay any collection it completed. Commits."""
    clock = Clock.of(programme, now)
    cutoffs = await load_cutoffs(session)
    await habits.create_scratch(session)
    await habits.fill(session, clock, member_id, member_id)
    await _write_range(session, programme, clock, cutoffs, member_id, member_id)
    await habits.clear_scratch(session)
    if cutoffs is None:  # before the first nightly run: score against everyone computed so far
        s = MemberStats
        buyers = select(s.recency_days, s.frequency, s.monetary_cents).where(s.frequency > 0).subquery()
        if (cutoffs := await compute_cutoffs(session, buyers, now)) is not None:
            await _rescore(session, clock, cutoffs, member_id)
    stats = (
        await session.execute(
            select(MemberStats.segment, MemberStats.collections).where(MemberStats.member_id == member_id)
        )
    ).one_or_none()
    if stats is None:  # a forgotten member: nothing is kept
        await session.commit()
        return Refreshed("lost", None, ())
    paid = await award_completed(session, programme, member_id, stats.collections, now)
    notices = [notice for posted in paid if (notice := await ledger.notice(session, posted)) is not None]
    facts = (await load_facts(session, programme, member_id, member_id, clock.today, now))[member_id]
    best = Ranker(programme).best(Fit.of(facts, programme.offers))
    await _store_best_offers(session, {member_id: best.id if best else None})
    await session.commit()
    return Refreshed(stats.segment, best.id if best else None, tuple(notices))
