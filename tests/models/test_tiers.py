"""Tiers that move both ways: up at the sale, down only at the nightly review after the grace, warned before, each
move announced once, even when a review is run again after a crash."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import outbox
from models.core.outbox import OutboxMessage
from models.core.programme import Programme
from models.members.registry import Member
from models.points.tiers import Review, TierWatch, review_tiers
from models.till.refunds import refund
from tests.models.till import NOW, OWNER, new_member, sale
from tests.support.units import step

GONE = NOW + timedelta(days=31)  # the first night the sale at NOW is out of the 30-day window


class Crash(Exception):
    pass


@pytest.fixture
def tiers(programme: Programme) -> Programme:
    """Silver from 10 000 spent within 30 days; kept 10 days after falling below, warned 3 days before the drop."""
    rules = programme.tiers.model_copy(update={"window_days": 30, "grace_days": 10, "warn_days": 3})
    return programme.model_copy(update={"tiers": rules})


async def review(session: AsyncSession, programme: Programme, now: datetime) -> Review:
    async with step(session):
        return await review_tiers(session, programme, now, checkpoint=session.commit)


async def tier_of(session: AsyncSession, member: int) -> str:
    value = await session.scalar(select(Member.tier).where(Member.id == member))
    await session.rollback()
    return str(value)


async def told(session: AsyncSession, *kinds: str) -> list[tuple[str, dict[str, object]]]:
    rows = await session.execute(
        select(OutboxMessage.kind, OutboxMessage.payload)
        .where(OutboxMessage.kind.in_(kinds))
        .order_by(OutboxMessage.id)
    )
    found = [(kind, dict(payload)) for kind, payload in rows]
    await session.rollback()
    return found


async def silver_member(session: AsyncSession, programme: Programme, telegram_id: int = 1) -> int:
    member = await new_member(session, programme, telegram_id)
    promoted = await sale(session, programme, member, "10000", source=f"msg:{telegram_id}:1")
    assert promoted.promoted
    assert promoted.tier.name == "silver"
    return member


class TestAtTheSale:
    async def test_a_sale_promotes_and_announces_the_new_tier(self, session: AsyncSession, tiers: Programme) -> None:
        await silver_member(session, tiers)
        assert await told(session, outbox.PROMOTED) == [
            (outbox.PROMOTED, {"tier": "silver", "from": "bronze", "language": "en"})
        ]

    async def test_a_sale_never_drops_a_member(self, session: AsyncSession, tiers: Programme) -> None:
        member = await silver_member(session, tiers)
        later = await sale(session, tiers, member, "100", source="msg:1:2", now=GONE)
        assert later.tier.name == "silver"
        assert not later.promoted
        assert await tier_of(session, member) == "silver"


class TestRefunds:
    async def test_a_refund_takes_away_at_once_the_tier_its_purchase_reached(
        self, session: AsyncSession, tiers: Programme
    ) -> None:
        member = await new_member(session, tiers, 1)
        await sale(session, tiers, member, "10000", receipt="A1")
        async with step(session):
            await refund(session, tiers, OWNER, receipt="A1", now=NOW)
        assert await tier_of(session, member) == "bronze"
        assert (await told(session, outbox.TIER_DROPPED))[-1] == (
            outbox.TIER_DROPPED,
            {"tier": "bronze", "from": "silver", "language": "en"},
        )

    async def test_a_refund_leaves_the_grace_of_a_member_already_below(
        self, session: AsyncSession, tiers: Programme
    ) -> None:
        member = await silver_member(session, tiers)
        await sale(session, tiers, member, "500", receipt="B1", now=GONE)
        await review(session, tiers, GONE)  # below silver since tonight
        async with step(session):
            await refund(session, tiers, OWNER, receipt="B1", now=GONE + timedelta(days=1))
        assert await tier_of(session, member) == "silver"
        assert await told(session, outbox.TIER_DROPPED) == []


class TestNightlyReview:
    async def test_warned_before_the_grace_ends_then_dropped_each_once(
        self, session: AsyncSession, tiers: Programme
    ) -> None:
        member = await silver_member(session, tiers)
        assert await review(session, tiers, GONE) == Review()
        assert await session.get(TierWatch, member) is not None
        await session.rollback()
        assert await review(session, tiers, GONE + timedelta(days=6)) == Review()
        assert await review(session, tiers, GONE + timedelta(days=7)) == Review(warned=1)
        assert await review(session, tiers, GONE + timedelta(days=7, hours=1)) == Review()  # run again
        assert await review(session, tiers, GONE + timedelta(days=9)) == Review()
        assert await tier_of(session, member) == "silver"
        assert await review(session, tiers, GONE + timedelta(days=10)) == Review(dropped=1)
        assert await review(session, tiers, GONE + timedelta(days=10, hours=1)) == Review()
        assert await tier_of(session, member) == "bronze"
        warning, dropped = await told(session, outbox.TIER_WARNING, outbox.TIER_DROPPED)
        drop_day = (GONE + timedelta(days=10)).date().isoformat()
        assert warning == (
            outbox.TIER_WARNING,
            {"tier": "silver", "next": "bronze", "date": drop_day, "missing_cents": 1_000_000, "language": "en"},
        )
        assert dropped == (outbox.TIER_DROPPED, {"tier": "bronze", "from": "silver", "language": "en"})
        assert await session.get(TierWatch, member) is None

    async def test_spending_back_above_the_threshold_ends_the_watch(
        self, session: AsyncSession, tiers: Programme
    ) -> None:
        member = await silver_member(session, tiers)
        await review(session, tiers, GONE)
        await sale(session, tiers, member, "10000", source="msg:1:2", now=GONE + timedelta(days=1))
        assert await review(session, tiers, GONE + timedelta(days=2)) == Review(recovered=1)
        assert await review(session, tiers, GONE + timedelta(days=10)) == Review()
        assert await tier_of(session, member) == "silver"

    async def test_without_grace_a_member_drops_the_first_night(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        plain = programme.model_copy(update={"tiers": programme.tiers.model_copy(update={"grace_days": 0})})
        member = await silver_member(session, plain)
        assert await review(session, plain, NOW + timedelta(days=366)) == Review(dropped=1)
        assert await tier_of(session, member) == "bronze"

    async def test_a_lower_threshold_promotes_at_night(self, session: AsyncSession, tiers: Programme) -> None:
        member = await new_member(session, tiers, 1)
        await sale(session, tiers, member, "500")
        levels = [tiers.tiers.levels[0], tiers.tiers.levels[1].model_copy(update={"threshold": 500})]
        easier = tiers.model_copy(update={"tiers": tiers.tiers.model_copy(update={"levels": levels})})
        assert await review(session, easier, NOW + timedelta(days=1)) == Review(promoted=1)
        assert await tier_of(session, member) == "silver"

    async def test_a_review_run_again_after_a_crash_announces_nothing_twice(
        self, session: AsyncSession, tiers: Programme
    ) -> None:
        first = await silver_member(session, tiers, 1)
        await silver_member(session, tiers, 2)
        await review(session, tiers, GONE)
        steps = 0

        async def crash_after_first() -> None:
            nonlocal steps
            await session.commit()
            steps += 1
            if steps == 1:
                raise Crash

        with pytest.raises(Crash):
            async with step(session):
                await review_tiers(session, tiers, GONE + timedelta(days=7), checkpoint=crash_after_first)
        assert len(await told(session, outbox.TIER_WARNING)) == 1
        assert await review(session, tiers, GONE + timedelta(days=7, hours=2)) == Review(warned=1)
        warnings = await told(session, outbox.TIER_WARNING)
        assert len(warnings) == 2
        assert await tier_of(session, first) == "silver"
