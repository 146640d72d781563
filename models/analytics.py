"""Per-member analytics, one row per member, recomputed nightly and after each sale (see `models.segments`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class MemberStats(Base):
    """Recency, frequency, monetary value and what they say about the member; `segment` is one of SEGMENTS."""

    __tablename__ = "member_stats"
    __table_args__ = (Index("ix_member_stats_segment", "segment"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    recency_days: Mapped[int | None]
    frequency: Mapped[int] = mapped_column(default=0)
    monetary_cents: Mapped[int] = mapped_column(default=0)
    r_score: Mapped[int] = mapped_column(default=0)
    f_score: Mapped[int] = mapped_column(default=0)
    m_score: Mapped[int] = mapped_column(default=0)
    segment: Mapped[str] = mapped_column(String(16), default="new")
    usual_weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday, business time zone
    usual_hours: Mapped[list[int]] = mapped_column(JSON, default=list)
    expected_next_visit: Mapped[date | None]
    discount_share: Mapped[float] = mapped_column(default=0.0)
    computed_at: Mapped[datetime]


class MemberFavourite(Base):
    """A category the member buys often (rank 1 = most), in its own table so `likes:<category>` is an index lookup."""

    __tablename__ = "member_favourites"
    __table_args__ = (Index("ix_member_favourites_category", "category", "member_id"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    rank: Mapped[int]
