"""Collections and badges: a series filled from purchases ("4 of 6"); the last item pays points and a badge, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base
from models.core.programme import Offer, Programme
from models.points import ledger


class Badge(Base):
    """A completed collection; the badge's name is the collection offer's id."""

    __tablename__ = "badges"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    collection: Mapped[str] = mapped_column(String(32), primary_key=True)
    earned_at: Mapped[datetime]


@dataclass(frozen=True)
class Progress:
    offer: Offer
    items: int  # categories bought since the collection opened

    @property
    def total(self) -> int:
        return len(self.offer.collection_items)

    @property
    def complete(self) -> bool:
        return self.items >= self.total


def collections(programme: Programme) -> list[Offer]:
    return [offer for offer in programme.offers if offer.kind == "collection"]


def progress_of(programme: Programme, done: dict[str, int]) -> list[Progress]:
    """Each collection with the member's count (as stored with their analytics)."""
    return [
        Progress(offer, min(done.get(offer.id, 0), len(offer.collection_items))) for offer in collections(programme)
    ]


async def badges_of(session: AsyncSession, member_id: int) -> list[str]:
    rows = await session.scalars(select(Badge.collection).where(Badge.member_id == member_id).order_by(Badge.earned_at))
    return list(rows)


async def award_completed(
    session: AsyncSession, programme: Programme, member_id: int, done: dict[str, int], now: datetime
) -> list[ledger.Posted]:
    """Pay each collection the member has just completed (key `collection:<id>:<member>`) and grant its badge.

    Runs inside the caller's transaction; returns the new ledger entries, so that the member can be told.
    """
    earned = set(await badges_of(session, member_id))
    paid = []
    for progress in progress_of(programme, done):
        if not progress.complete or progress.offer.id in earned:
            continue
        session.add(Badge(member_id=member_id, collection=progress.offer.id, earned_at=now))
        if progress.offer.completion_points:
            paid.append(
                await ledger.credit(
                    session,
                    member_id=member_id,
                    points=progress.offer.completion_points,
                    kind="collection",
                    reason="",
                    key=f"collection:{progress.offer.id}:{member_id}",
                    now=now,
                    expires_at=programme.expiry.of_points_earned(now),
                    rule=f"offers.{progress.offer.id}",
                )
            )
    await session.flush()
    return paid
