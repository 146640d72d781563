"""Per-member analytics, one row per member, recomputed nightly and after each sale (see `models.offers.recompute`).

The rules, all computed in SQL from purchases that were not refunded, in the business time zone:

- **Recency** is the number of days since the last purchase (stored as of `computed_at`; `last_purchase_on` gives it
  for any day); **frequency** the number of purchases; **monetary** their total (lifetime spend).
- **RFM scores 1-5** are quintiles over the members who bought anything: a member's score is
  ceil(5 x the share of buyers whose value is at most theirs), so equal values share a score (for recency, fewer
  days scores higher). The nightly run stores the score boundaries (`RfmCutoff`); the refresh after a sale scores
  one member against them. Members without purchases score 0.
- **Segment**: the first rule that matches, with FM = round((F + M) / 2), is the segment (`models.analytics.scoring`):
  new: first purchase (or, without one, joining) within 30 days; champions R 4-5 and FM 4-5; loyal R 3-5 and
  FM 3-5; promising R 3-5; at_risk R 1-2 and FM 3-5; hibernating R 2; lost otherwise.
- **Rhythm** is read from the member's latest 127 purchases, once they have at least 4: a weekday is usual when it
  holds at least 18% of them (an even spread would give 14%), a three-hour slot of the day (`usual_hours` holds
  the slots' first hours: 6 means 6:00-9:00) when it holds at least 25%.
- **Favourite categories**: up to three, most bought first, each bought at least twice and making up at least 20%
  of the member's purchases.
- **Expected next visit**: the last purchase day plus the member's average gap between purchases (two or more).
- **Discount dependency**: the share of the member's redeemed coupons that were discounts.
- **Collections**: for each collection offer, how many of its categories the member bought since it opened.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base


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
    first_purchase_on: Mapped[date | None]
    last_purchase_on: Mapped[date | None]
    collections: Mapped[dict[str, int]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )  # collection offer id -> items bought
    best_offer: Mapped[str | None] = mapped_column(String(32))  # the best offer costing no points: campaigns' pick
    # The favourite categories again, comma-separated, so that the nightly ranking reads one table.
    favourites: Mapped[str] = mapped_column(String(100), default="", server_default="")


class MemberFavourite(Base):
    """A category the member buys often (rank 1 = most), in its own table so `likes:<category>` is an index lookup."""

    __tablename__ = "member_favourites"
    __table_args__ = (Index("ix_member_favourites_category", "category", "member_id"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    rank: Mapped[int]


class RfmCutoff(Base):
    """The least value (most days, for recency) that still earns `score`, from the last nightly run."""

    __tablename__ = "rfm_cutoffs"
    __table_args__ = (CheckConstraint("score BETWEEN 2 AND 5", name="score_range"),)

    score: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    recency_days: Mapped[int]
    frequency: Mapped[int]
    monetary_cents: Mapped[int]
    computed_at: Mapped[datetime]
