"""What a member's invitations brought: friends who joined, and those whose first purchase paid the bonus."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.members.registry import Member
from models.points.ledger import LedgerEntry


@dataclass(frozen=True)
class Invitations:
    code: str
    joined: int
    rewarded: int
    points_earned: int


async def invitations(session: AsyncSession, member_id: int) -> Invitations:
    member = await session.get_one(Member, member_id)
    joined = await session.scalar(select(func.count()).where(Member.referred_by_id == member_id))
    rewarded = await session.execute(
        select(func.count(), func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.member_id == member_id,
            LedgerEntry.kind == "referral",
            LedgerEntry.rule == "bonuses.referral_inviter",
        )
    )
    count, points = rewarded.one()
    return Invitations(member.referral_code, int(joined or 0), int(count), int(points))
