"""Collections and badges: a series filled from purchases ("4 of 6"); the last item pays points and a badge, once.

Only purchases of at least the collection's `min_purchase` count. A refund that leaves a completed collection
incomplete takes its points back (as far as the balance allows; owners hear of a shortfall) and its badge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core import clock, outbox
from models.core.base import Base
from models.core.programme import Offer, Programme
from models.members import numbers
from models.points import ledger
from models.points.purchases import Purchase


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


def progress_of(programme: Programme, done: dict[str, int]) -> list[Progress]:
    """Each collection with the member's count (as stored with their analytics)."""
    return [Progress(offer, min(done.get(offer.id, 0), len(offer.collection_items))) for offer in programme.collections]


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
                    zone=clock.zone(programme),
                    expires_at=programme.expiry.of_points_earned(now),
                    rule=f"offers.{progress.offer.id}",
                )
            )
    await session.flush()
    return paid


async def take_back_broken(
    session: AsyncSession, programme: Programme, member_id: int, done: dict[str, int], now: datetime
) -> list[ledger.Posted]:
    """Reverse each paid collection that a refund since its badge left incomplete (key `<paid key>:refunded`) and
    take its badge back; a collection left incomplete by a change of the programme's rules keeps what it paid.

    Points the member already spent are reported to owners. Returns the reversals, so that the member can be told.
    """
    reversed_ = []
    for progress in progress_of(programme, done):
        badge = await session.get(Badge, (member_id, progress.offer.id))
        if progress.complete or badge is None:
            continue
        receipt = await session.scalar(
            select(Purchase.receipt)
            .where(
                Purchase.member_id == member_id,
                Purchase.refunded_at >= badge.earned_at,
                Purchase.category.in_(progress.offer.collection_items),
            )
            .order_by(Purchase.refunded_at.desc())
            .limit(1)
        )
        key = f"collection:{progress.offer.id}:{member_id}"
        if receipt is None or await ledger.find(session, key) is None:
            continue
        await session.execute(delete(Badge).where(Badge.member_id == member_id, Badge.collection == progress.offer.id))
        reversal = await ledger.reverse(
            session,
            entry_key=key,
            key=f"{key}:refunded",
            kind="refund",
            reason=f"#{receipt}",
            now=now,
            zone=clock.zone(programme),
            actor_id=None,
        )
        if reversal.posted is not None and reversal.posted.created:
            reversed_.append(reversal.posted)
        if reversal.unrecovered:
            payload = {
                "receipt": receipt,
                "member": numbers.shown(member_id),
                "points": reversal.unrecovered,
                "by": "-",
            }
            await outbox.post(session, [outbox.Message(outbox.OWNERS, outbox.REFUND_SHORTFALL, payload)], now)
    return reversed_
