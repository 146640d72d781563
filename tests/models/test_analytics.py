"""Member analytics: planted habits are recovered, RFM scores and segments match a hand computation, refreshes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.member_stats import MemberFavourite, MemberStats, RfmCutoff
from models.analytics.scoring import segment_of
from models.core.portable import offset_changes
from models.core.programme import Programme
from models.members.registry import Member
from models.offers.coupons import Coupon, issue_coupon
from models.offers.facts import load_facts
from models.offers.ranking import Fit, Ranker, rhythm
from models.offers.recompute import recompute_all, refresh_member
from tests.models.offers_data import NOW, buy, facts_with, new_member, plant, planted_habits
from tests.support.units import step

MOSCOW = ZoneInfo("Europe/Moscow")


async def stats_of(session: AsyncSession, member_id: int) -> MemberStats:
    found = await session.scalar(
        select(MemberStats).where(MemberStats.member_id == member_id).execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def favourites_of(session: AsyncSession, member_id: int) -> list[str]:
    rows = await session.scalars(
        select(MemberFavourite.category).where(MemberFavourite.member_id == member_id).order_by(MemberFavourite.rank)
    )
    return list(rows)


class TestPlantedHabits:
    async def test_favourite_category_and_rhythm_are_recovered(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        habits = planted_habits(24)
        rng = random.Random(5)
        members = []
        for number, habit in enumerate(habits):
            member_id = await new_member(session, programme, 1000 + number)
            await plant(session, member_id, habit, MOSCOW, rng)
            members.append(member_id)
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        parts = {7: "morning", 8: "morning", 12: "midday", 13: "midday", 18: "evening", 19: "evening"}
        for member_id, habit in zip(members, habits, strict=True):
            stats = await stats_of(session, member_id)
            assert (await favourites_of(session, member_id))[0] == habit.favourite
            assert stats.usual_weekdays, habit
            assert set(stats.usual_weekdays) <= set(habit.weekdays), (stats.usual_weekdays, habit)
            assert stats.usual_hours == [habit.hour // 3 * 3]
            days, part = rhythm(
                facts_with(usual_weekdays=tuple(stats.usual_weekdays), usual_hours=tuple(stats.usual_hours))
            )
            assert days == ("weekends" if habit.weekdays == (5, 6) else "weekdays")
            assert part == parts[habit.hour]

    async def test_rhythm_follows_the_latest_purchases_of_a_frequent_buyer(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        monday = datetime(2023, 1, 2, 7, 30, tzinfo=UTC)  # 10:30 in Moscow, weekly until the end of 2024
        for week in range(100):
            await buy(session, member_id, monday + timedelta(weeks=week))
        saturday = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)  # 18:00 in Moscow, three visits a day lately
        for visit in range(130):
            await buy(session, member_id, saturday - timedelta(hours=visit % 3, weeks=visit // 3))
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        stats = await stats_of(session, member_id)
        assert stats.frequency == 230
        assert stats.usual_weekdays == [5]
        assert stats.usual_hours == [15, 18]  # 16:00 and 17:00, then 18:00

    async def test_local_hours_hold_across_summer_time(self, session: AsyncSession, programme: Programme) -> None:
        berlin = programme.model_copy(update={"timezone": "Europe/Berlin"})
        member_id = await new_member(session, berlin, 1)
        zone = ZoneInfo("Europe/Berlin")
        for day in range(0, 300, 5):
            moment = datetime.combine(date(2026, 1, 5) + timedelta(days=day), datetime.min.time(), zone)
            await buy(session, member_id, (moment + timedelta(hours=7, minutes=45)).astimezone(UTC))
        await session.commit()
        async with step(session):
            await recompute_all(session, berlin, NOW, checkpoint=session.commit)
        assert (await stats_of(session, member_id)).usual_hours == [6]
        assert len(offset_changes(zone, NOW)) > 2


class TestHandComputedRfm:
    """Six buyers and one member who never bought; scores are ceil(5 x share of buyers at or below the value)."""

    # (purchases, cents each, days since the last one); purchases are 30 days apart.
    TABLE = (
        (1, 50_00, 2),
        (2, 40_00, 10),
        (4, 30_00, 40),
        (8, 25_00, 5),
        (12, 60_00, 200),
        (3, 10_00, 400),
    )
    # Recency days 2 5 10 40 200 400 -> R 5 5 4 3 2 1 (by rank among six: ceil(5 x k / 6)).
    # Frequency 1 2 3 4 8 12 -> F 1 2 3 4 5 5; spend 30 50 80 120 200 720 -> M 1 2 3 4 5 5.
    EXPECTED = (
        (5, 1, 2, "new"),  # FM = 2, first purchase 2 days ago
        (4, 2, 3, "loyal"),  # FM = 3
        (3, 4, 4, "loyal"),
        (5, 5, 5, "champions"),
        (2, 5, 5, "at_risk"),
        (1, 3, 1, "lost"),
    )

    async def test_scores_and_segments(self, session: AsyncSession, programme: Programme) -> None:
        members = []
        for number, (purchases, cents, last) in enumerate(self.TABLE):
            member_id = await new_member(session, programme, 100 + number)
            for week in range(purchases):
                await buy(session, member_id, NOW - timedelta(days=last + 30 * week), cents=cents)
            members.append(member_id)
        stranger = await new_member(session, programme, 999)
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        for member_id, (r, f, m, segment) in zip(members, self.EXPECTED, strict=True):
            stats = await stats_of(session, member_id)
            assert (stats.r_score, stats.f_score, stats.m_score, stats.segment) == (r, f, m, segment), member_id
        never = await stats_of(session, stranger)
        assert (never.frequency, never.r_score, never.segment) == (0, 0, "lost")  # joined 400 days ago
        cutoffs = {row.score: row for row in await session.scalars(select(RfmCutoff))}
        assert (cutoffs[5].recency_days, cutoffs[5].frequency, cutoffs[5].monetary_cents) == (5, 8, 200_00)

    def test_segment_rules_read_in_order(self) -> None:
        assert segment_of(5, 5, 4, 400) == "champions"
        assert segment_of(5, 1, 1, 10) == "new"
        assert segment_of(4, 1, 2, 100) == "promising"
        assert segment_of(2, 2, 2, 100) == "hibernating"
        assert segment_of(1, 4, 3, 100) == "at_risk"
        assert segment_of(0, 0, 0, 31) == "lost"


class TestStats:
    async def test_refunds_do_not_count_and_next_visit_follows_the_gap(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        for days in (30, 20, 10):
            await buy(session, member_id, NOW - timedelta(days=days), cents=100_00)
        await buy(session, member_id, NOW - timedelta(days=1), cents=900_00, refunded=True)
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        stats = await stats_of(session, member_id)
        assert (stats.frequency, stats.monetary_cents, stats.recency_days) == (3, 300_00, 10)
        assert stats.last_purchase_on == (NOW - timedelta(days=10)).date()
        assert stats.expected_next_visit == (NOW - timedelta(days=10) + timedelta(days=10)).date()

    async def test_discount_share_counts_redeemed_coupons(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 1)
        await buy(session, member_id, NOW - timedelta(days=3))
        for number, (kind, used) in enumerate(
            (("discount", True), ("gift", True), ("gift", True), ("discount", False))
        ):
            session.add(
                Coupon(
                    code=f"TESTCOD{number}",
                    key=f"test:{number}",
                    member_id=member_id,
                    offer_id="x",
                    kind=kind,
                    points=0,
                    reserved=False,
                    issued_at=NOW - timedelta(days=9),
                    expires_at=NOW - timedelta(days=2),
                    redeemed_at=NOW - timedelta(days=8) if used else None,
                )
            )
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        assert abs((await stats_of(session, member_id)).discount_share - 1 / 3) < 1e-9

    async def test_refresh_after_a_sale_updates_one_member(self, session: AsyncSession, programme: Programme) -> None:
        regular = await new_member(session, programme, 1)
        other = await new_member(session, programme, 2)
        for week in range(6):
            await buy(session, regular, NOW - timedelta(days=60, weeks=week), category="tea")
            await buy(session, other, NOW - timedelta(days=3, weeks=week))
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        before_other = (await stats_of(session, other)).computed_at
        await buy(session, regular, NOW - timedelta(minutes=5), category="tea")
        await session.commit()
        async with step(session):
            refreshed = await refresh_member(session, programme, regular, NOW)
        stats = await stats_of(session, regular)
        assert (stats.frequency, stats.recency_days, stats.r_score) == (7, 0, 5)
        assert refreshed.segment == stats.segment
        assert (await stats_of(session, other)).computed_at == before_other

    async def test_forgotten_members_keep_no_analytics(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 1)
        await buy(session, member_id, NOW - timedelta(days=3))
        member = await session.get_one(Member, member_id)
        member.forgotten_at = NOW - timedelta(days=1)
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        assert await session.scalar(select(MemberStats).where(MemberStats.member_id == member_id)) is None
        assert await favourites_of(session, member_id) == []

    async def test_a_full_run_drops_the_analytics_of_a_member_forgotten_since(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        await buy(session, member_id, NOW - timedelta(days=3))
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        assert await session.scalar(select(MemberStats).where(MemberStats.member_id == member_id)) is not None
        member = await session.get_one(Member, member_id)
        member.forgotten_at = NOW  # as if its erasure had been interrupted: the full run must not keep its row
        await session.commit()
        async with step(session):
            await recompute_all(session, programme, NOW, full=True, checkpoint=session.commit)
        assert await session.scalar(select(MemberStats).where(MemberStats.member_id == member_id)) is None


class TestNightly:
    async def test_next_night_reads_again_only_members_whose_purchases_changed(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        changed = await new_member(session, programme, 1)
        quiet = await new_member(session, programme, 2)
        for member_id in (changed, quiet):
            await buy(session, member_id, NOW - timedelta(days=5))
        await session.commit()
        async with step(session):
            first = await recompute_all(session, programme, NOW, checkpoint=session.commit)
        assert (first.members, first.reread) == (2, 2)
        tomorrow = NOW + timedelta(days=1)
        await buy(session, changed, NOW + timedelta(hours=2), category="tea", refunded=False)
        await session.commit()
        async with step(session):
            second = await recompute_all(session, programme, tomorrow, checkpoint=session.commit)
        assert (second.members, second.reread) == (2, 1)
        assert (await stats_of(session, changed)).frequency == 2
        assert (await stats_of(session, quiet)).recency_days == 5  # as of its computation: it was not read again
        async with step(session):
            full = await recompute_all(session, programme, tomorrow, full=True, checkpoint=session.commit)
        assert full.reread == 2

    async def test_stored_best_offers_match_the_ranking_of_each_members_facts(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        rng = random.Random(8)
        members = []
        for number, habit in enumerate(planted_habits(12)):
            member_id = await new_member(session, programme, 3000 + number)
            await plant(session, member_id, habit, MOSCOW, rng, purchases=4 + number * 3)
            members.append(member_id)
        birthday_member = await session.get_one(Member, members[0])
        birthday_member.birthday = date(1990, NOW.month, NOW.day)
        await session.commit()
        async with step(session):
            await issue_coupon(session, programme, members[1], "croissant_gift", NOW, "used")
        async with step(session):
            await recompute_all(session, programme, NOW, checkpoint=session.commit)
        ranker = Ranker(programme)
        for member_id in members:
            facts = (await load_facts(session, programme, member_id, member_id, NOW.date(), NOW))[member_id]
            expected = ranker.best(Fit.of(facts, programme.offers), costs_no_points=True)
            stored = (await stats_of(session, member_id)).best_offer
            assert stored == (expected.id if expected else None), member_id
        assert (await stats_of(session, members[0])).best_offer == "birthday_gift"
