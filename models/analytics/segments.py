"""Segments: the one list of audience names, and the query that turns a name into member ids."""

from __future__ import annotations

from sqlalchemy import Select, select

from models.analytics.member_stats import MemberFavourite, MemberStats
from models.core.programme import RFM_SEGMENTS, Programme
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
