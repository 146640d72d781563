"""Segment sizes come from the moves the database's triggers write, and equal a count of every member's stats row
through the nightly run, the refresh after a sale, an erasure and the nightly fold."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.member_stats import MemberStats
from models.analytics.segments import SegmentMove, fold_moves, segment_sizes
from models.core.programme import Programme
from models.membership.privacy import forget
from models.offers.recompute import recompute_all, refresh_member
from tests.models.offers_data import NOW, buy, new_member
from tests.support.units import step


async def counted(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(MemberStats.segment, func.count()).group_by(MemberStats.segment))
    return {str(segment): int(count) for segment, count in rows}


async def test_sizes_follow_every_change_of_segment(session: AsyncSession, programme: Programme) -> None:
    members = [await new_member(session, programme, 830_000 + n) for n in range(12)]
    for n, member in enumerate(members[:9]):
        for visit in range(n + 1):  # some buy often and lately, others once long ago
            await buy(session, member, NOW - timedelta(days=20 * (9 - n) + visit), cents=10_000 * (n + 1))
    await session.commit()
    async with step(session):
        await recompute_all(session, programme, NOW, checkpoint=session.commit)
    assert dict(await segment_sizes(session)) == await counted(session)
    assert len(await counted(session)) > 2

    lapsed = members[0]  # bought once long ago: a week of visits now moves them
    was = await session.scalar(select(MemberStats.segment).where(MemberStats.member_id == lapsed))
    for visit in range(6):
        await buy(session, lapsed, NOW - timedelta(hours=visit), cents=90_000)
    async with step(session):
        assert (await refresh_member(session, programme, lapsed, NOW)).segment != was
    async with step(session):
        await forget(session, programme, members[5], NOW)
    sizes = dict(await segment_sizes(session))
    assert sizes == await counted(session)
    assert sum(sizes.values()) == await session.scalar(select(func.count()).select_from(MemberStats))
    async with step(session):
        folded = await fold_moves(session)
    assert folded > len(sizes)
    assert dict(await segment_sizes(session)) == sizes
    assert await session.scalar(select(func.count()).select_from(SegmentMove)) == len(sizes)
    async with step(session):
        await recompute_all(session, programme, NOW + timedelta(days=90), checkpoint=session.commit)
    assert dict(await segment_sizes(session)) == await counted(session) != sizes  # recency moved them
