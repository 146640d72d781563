"""Tiers that move both ways: up at the sale that reaches the next one, down only in the nightly review.

A member whose rolling spend (`tiers.window_days`) falls below their tier's threshold keeps the tier for
`tiers.grace_days` business days from the night it was first seen, is warned `tiers.warn_days` before the drop, and
drops in the first review after the grace; spending back above the threshold meanwhile ends the watch. Every move is
announced through the outbox with the new tier's perks. The watch (`tier_watch`: since when, and whether warned) and
the announcements are written in one transaction per member, so a review run again after a crash announces nothing
twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Subquery, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core import outbox
from models.core.base import Base
from models.core.clock import business_day
from models.core.programme import Programme, Tier
from models.core.uow import Checkpoint, no_checkpoint, writing
from models.members.registry import Member
from models.points.purchases import Purchase


class TierWatch(Base):
    """A member whose spend has fallen below the tier they hold: since when, and when they were warned of the drop."""

    __tablename__ = "tier_watch"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    below_since: Mapped[datetime]
    warned_at: Mapped[datetime | None]


def tier_for(programme: Programme, spend_cents: int) -> Tier:
    """The tier a rolling spend reaches."""
    reached = [level for level in programme.tiers.levels if spend_cents >= level.threshold * 100]
    return reached[-1]


def rank(programme: Programme, tier: Tier | str) -> int:
    return programme.tiers.levels.index(programme.tier(tier) if isinstance(tier, str) else tier)


def at_sale(programme: Programme, held: str, spend_cents: int) -> Tier:
    """The tier after a sale: the one the spend reaches, but never lower than the one held (drops wait for the
    nightly review and its grace)."""
    reached = tier_for(programme, spend_cents)
    return reached if rank(programme, reached) > rank(programme, held) else programme.tier(held)


def moved(programme: Programme, telegram_id: int | None, language: str, old: Tier, new: Tier) -> list[outbox.Message]:
    """The announcement of a move from `old` to `new` (up or down) to a member who can be told; the interface shows
    the new tier's perks with it."""
    if telegram_id is None:
        return []
    kind = outbox.PROMOTED if rank(programme, new) > rank(programme, old) else outbox.TIER_DROPPED
    return [outbox.Message(telegram_id, kind, {"tier": new.name, "from": old.name, "language": language})]


@dataclass(frozen=True)
class Review:
    """What one nightly review did."""

    promoted: int = 0
    warned: int = 0
    dropped: int = 0
    recovered: int = 0


def _spend_since(since: datetime) -> Subquery:
    """Each member's spend since a moment, for members with any."""
    return (
        select(Purchase.member_id, func.sum(Purchase.amount_cents).label("spend"))
        .where(Purchase.refunded_at.is_(None), Purchase.created_at >= since)
        .group_by(Purchase.member_id)
        .subquery()
    )


async def review_tiers(
    session: AsyncSession, programme: Programme, now: datetime, checkpoint: Checkpoint = no_checkpoint
) -> Review:
    """Recompute every member's tier from their rolling spend (see the module); a `checkpoint` after each change."""
    await writing(session)
    spend = _spend_since(now - timedelta(days=programme.tiers.window_days))
    rows = (
        await session.execute(
            select(Member.id, Member.tier, func.coalesce(spend.c.spend, 0), TierWatch.member_id)
            .outerjoin(spend, spend.c.member_id == Member.id)
            .outerjoin(TierWatch, TierWatch.member_id == Member.id)
            .where(Member.forgotten_at.is_(None))
            .order_by(Member.id)
        )
    ).all()
    counts = {"promoted": 0, "warned": 0, "dropped": 0, "recovered": 0}
    for member_id, held, spent, watched in rows:
        due = tier_for(programme, int(spent))
        if due.name == held and watched is None:
            continue
        if (outcome := await _review_one(session, programme, member_id, held, int(spent), now)) is not None:
            counts[outcome] += 1
        await checkpoint()
    return Review(**counts)


async def _review_one(
    session: AsyncSession, programme: Programme, member_id: int, held: str, spent: int, now: datetime
) -> str | None:
    """Move, warn or stop watching one member; None when a sale moved them since the review read them."""
    member = await session.scalar(
        select(Member).where(Member.id == member_id).with_for_update().execution_options(populate_existing=True)
    )
    if member is None or member.tier != held or member.forgotten_at is not None:
        return None
    old, due = programme.tier(held), tier_for(programme, spent)
    watch = await session.get(TierWatch, member_id, populate_existing=True)
    if rank(programme, due) >= rank(programme, old):
        if watch is not None:
            await session.execute(delete(TierWatch).where(TierWatch.member_id == member_id))
        if due == old:
            return "recovered"
        return await _move(session, programme, member, old, due, now, "promoted")
    since = now if watch is None else watch.below_since
    if watch is None:
        await session.execute(insert(TierWatch).values(member_id=member_id, below_since=now))
    drop_on = business_day(programme, since) + timedelta(days=programme.tiers.grace_days)
    today = business_day(programme, now)
    if today >= drop_on:
        await session.execute(delete(TierWatch).where(TierWatch.member_id == member_id))
        return await _move(session, programme, member, old, due, now, "dropped")
    warned = watch is not None and watch.warned_at is not None
    if warned or today < drop_on - timedelta(days=programme.tiers.warn_days):
        return None
    await session.execute(update(TierWatch).where(TierWatch.member_id == member_id).values(warned_at=now))
    if member.telegram_id is not None:
        payload = {
            "tier": old.name,
            "next": due.name,
            "date": drop_on.isoformat(),
            "missing_cents": int(old.threshold * 100) - spent,
            "language": member.language,
        }
        await outbox.post(session, [outbox.Message(member.telegram_id, outbox.TIER_WARNING, payload)], now)
    return "warned"


async def _move(
    session: AsyncSession, programme: Programme, member: Member, old: Tier, new: Tier, now: datetime, outcome: str
) -> str:
    member.tier = new.name
    await session.flush()
    await outbox.post(session, moved(programme, member.telegram_id, member.language, old, new), now)
    return outcome
