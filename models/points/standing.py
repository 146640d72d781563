"""A member's standing: points, tier and the way to the next one, the next lot to expire."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.programme import Programme, Tier
from models.members.registry import Member, MemberView
from models.points import ledger
from models.points.purchases import spend_in_window


@dataclass(frozen=True)
class Standing:
    points: int  # what can be spent now: lots past their date left out
    tier: Tier
    next_tier: Tier | None
    spend_cents: int
    to_next_cents: int
    next_expiry: ledger.Lot | None


async def standing(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> Standing:
    member = await session.get_one(Member, member_id)
    spend = await spend_in_window(session, member_id, days=programme.tiers.window_days, now=now)
    tier = programme.tier(member.tier)
    levels = programme.tiers.levels
    position = levels.index(tier)
    next_tier = levels[position + 1] if position + 1 < len(levels) else None
    to_next = max(0, int(next_tier.threshold * 100) - spend) if next_tier else 0
    lots = await ledger.live_lots(session, member_id, now)
    points = await ledger.points(session, member_id, now)
    return Standing(points, tier, next_tier, spend, to_next, lots[0] if lots else None)


async def member_view(session: AsyncSession, telegram_id: int, now: datetime) -> MemberView | None:
    """The member a Telegram user is, as the interface sees them: `balance` is the points they can spend at `now`."""
    row = (
        await session.execute(select(Member, ledger.spendable(now)).where(Member.telegram_id == telegram_id))
    ).one_or_none()
    return None if row is None else replace(MemberView.of(row[0]), balance=int(row[1]))
