"""Expiry: lots go oldest first on their day, once, and the reminder knows who loses how much and when."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.programme import Programme
from models.members.numbers import shown
from models.members.registry import Member
from models.points import ledger
from models.points.expiry import expire_due
from models.points.ledger import LedgerEntry
from models.till.redemption import redeem_points
from tests.models.till import CARDS, NOW, OWNER, new_member, sale


async def balance(session: AsyncSession, member_id: int) -> int:
    value = await session.scalar(select(Member.balance).where(Member.id == member_id))
    await session.rollback()
    return int(value or 0)


class TestExpiry:
    async def test_lot_past_its_day_expires_once_with_a_notice(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        later = NOW + timedelta(days=200)
        await sale(session, programme, member, "1000", receipt="A1", now=later)  # a younger lot of 50
        day_after = NOW + timedelta(days=programme.expiry.days, hours=1)
        notices = await expire_due(session, day_after)
        assert [(n.telegram_id, n.posted.kind, n.posted.amount, n.posted.balance) for n in notices] == [
            (1, "expire", -100, 50)
        ]
        assert await expire_due(session, day_after) == []
        assert await balance(session, member) == 50

    async def test_spent_points_come_from_the_oldest_lot_so_less_expires(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "1000", receipt="A1", now=NOW + timedelta(days=10))
        await redeem_points(
            session, programme, CARDS, OWNER, member=shown(member), points="80", source="msg:1:1", now=NOW
        )
        notices = await expire_due(session, NOW + timedelta(days=programme.expiry.days, hours=1))
        assert [n.posted.amount for n in notices] == [-20]
        lots = await ledger.live_lots(session, member)
        assert [lot.remaining for lot in lots] == [50]

    async def test_expiry_entries_carry_their_lot_as_key(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        welcome = await ledger.find(session, f"welcome:{member}")
        assert welcome is not None
        await expire_due(session, NOW + timedelta(days=programme.expiry.days))
        keys = list(await session.scalars(select(LedgerEntry.key).where(LedgerEntry.kind == "expire")))
        assert keys == [f"expire:{welcome.entry_id}"]
