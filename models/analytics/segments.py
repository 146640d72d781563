"""Segments: the one list of audience names, the query that turns a name into member ids, and their sizes.

Sizes are kept as moves: triggers on `member_stats` (migration 0017) write a row of +n into a segment and -n out of
it whenever stats rows are inserted, deleted or change segment (the nightly run, the refresh after a sale, an
erasure), so that a segment's size is the sum of its moves, read without counting a million members. The nightly
job folds them (`fold_moves`) into one row per segment.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Select, String, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.analytics.member_stats import MemberFavourite, MemberStats
from models.core.base import Base, table_of
from models.core.programme import RFM_SEGMENTS, Programme
from models.core.uow import writing
from models.members.registry import Member

LIKES_PREFIX = "likes:"


class UnknownSegment(ValueError):
    """The name is not a segment; the message lists the valid ones."""


def segment_names(programme: Programme) -> list[str]:
    """Every audience a campaign may name: all, RFM segments, tiers, likes:<category>."""
    return [
        "all",
        *RFM_SEGMENTS,
        *(level.name for level in programme.tiers.levels),
        *(f"{LIKES_PREFIX}{category}" for category in programme.categories),
    ]


def audience(programme: Programme, segment: str) -> Select[int]:
    """Member ids in the segment: current members only, ordered by id so that large audiences can be paged."""
    query = select(Member.id).where(Member.forgotten_at.is_(None), Member.telegram_id.is_not(None))
    if segment == "all":
        pass
    elif segment in RFM_SEGMENTS:
        query = query.join(MemberStats, MemberStats.member_id == Member.id).where(MemberStats.segment == segment)
    elif segment in {level.name for level in programme.tiers.levels}:
        query = query.where(Member.tier == segment)
    elif segment.startswith(LIKES_PREFIX) and segment.removeprefix(LIKES_PREFIX) in programme.categories:
        category = segment.removeprefix(LIKES_PREFIX)
        query = query.join(MemberFavourite, MemberFavourite.member_id == Member.id).where(
            MemberFavourite.category == category
        )
    else:
        raise UnknownSegment(", ".join(segment_names(programme)))
    return query.order_by(Member.id)


class SegmentMove(Base):
    """Members into (positive) or out of (negative) a segment; written by the database's triggers only."""

    __tablename__ = "segment_moves"
    __table_args__ = (CheckConstraint("members <> 0", name="a_move"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[str] = mapped_column(String(16))
    members: Mapped[int]


async def segment_sizes(session: AsyncSession) -> list[tuple[str, int]]:
    """Each segment with members and its size, largest first."""
    size = func.sum(SegmentMove.members)
    rows = await session.execute(
        select(SegmentMove.segment, size).group_by(SegmentMove.segment).having(size != 0).order_by(size.desc())
    )
    return [(str(segment), int(members)) for segment, members in rows]


async def fold_moves(session: AsyncSession) -> int:
    """Replace the moves by one row per segment (their sums); how many moves there were. Only the moves it deletes
    are summed, so moves written meanwhile by another transaction are kept as they are."""
    await writing(session)
    moved = (await session.execute(delete(SegmentMove).returning(SegmentMove.segment, SegmentMove.members))).all()
    sums: dict[str, int] = {}
    for segment, members in moved:
        sums[segment] = sums.get(segment, 0) + members
    kept = [{"segment": segment, "members": members} for segment, members in sums.items() if members]
    if kept:
        await session.execute(insert(table_of(SegmentMove)), kept)
    return len(moved)
