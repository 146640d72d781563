"""Expiry: lots go oldest first on their day, once, and the reminder knows who loses how much and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import clock
from models.core.errors import InsufficientPoints
from models.core.programme import Programme
from models.members.numbers import shown
from models.members.registry import Member
from models.offers.coupons import issue_coupon
from models.points import ledger
from models.points.check import verify
from models.points.expiry import expire_due
from models.points.ledger import LedgerEntry
from models.points.standing import member_view, standing
from models.till.redemption import redeem_points
from models.till.value_card import value_card
from tests.models.till import CARDS, NOW, OWNER, new_member, sale
from tests.support.units import step


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
        async with step(session):
            notices = await expire_due(session, day_after, clock.zone(programme), checkpoint=session.commit)
        assert [(n.telegram_id, n.posted.kind, n.posted.amount, n.posted.balance) for n in notices] == [
            (1, "expire", -100, 50)
        ]
        async with step(session):
            assert await expire_due(session, day_after, clock.zone(programme), checkpoint=session.commit) == []
        assert await balance(session, member) == 50

    async def test_an_expiry_names_its_lots_date_as_the_business_counts_days(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        """/balance shows when points expire on the business's calendar; the entry that writes them off names the same
        date, also where UTC's date differs."""
        tokyo = programme.model_copy(update={"timezone": "Asia/Tokyo"})
        member = await new_member(session, tokyo, 1)
        ends = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 05:00 on 2 December in Tokyo
        async with step(session):
            await ledger.credit(
                session,
                member_id=member,
                points=40,
                kind="bonus",
                reason="",
                key="short-lived",
                now=NOW,
                zone=clock.zone(tokyo),
                expires_at=ends,
            )
        async with step(session):
            notices = await expire_due(session, ends + timedelta(hours=1), clock.zone(tokyo), checkpoint=session.commit)
        assert [(n.posted.kind, n.posted.amount, n.posted.reason) for n in notices] == [("expire", -40, "2026-12-02")]
        assert clock.business_day(tokyo, ends).isoformat() == "2026-12-02"  # what /balance showed

    async def test_spent_points_come_from_the_oldest_lot_so_less_expires(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "1000", receipt="A1", now=NOW + timedelta(days=10))
        async with step(session):
            await redeem_points(
                session, programme, CARDS, OWNER, member=shown(member), points="80", source="msg:1:1", now=NOW
            )
        async with step(session):
            notices = await expire_due(
                session,
                NOW + timedelta(days=programme.expiry.days, hours=1),
                clock.zone(programme),
                checkpoint=session.commit,
            )
        assert [n.posted.amount for n in notices] == [-20]
        lots = await ledger.live_lots(session, member, NOW)
        assert [lot.remaining for lot in lots] == [50]

    async def test_expiry_entries_carry_their_lot_as_key(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        welcome = await ledger.find(session, f"welcome:{member}")
        assert welcome is not None
        async with step(session):
            await expire_due(
                session, NOW + timedelta(days=programme.expiry.days), clock.zone(programme), checkpoint=session.commit
            )
        keys = list(await session.scalars(select(LedgerEntry.key).where(LedgerEntry.kind == "expire")))
        assert keys == [f"expire:{welcome.entry_id}"]


class TestPointsPastTheirDate:
    """A lot stops counting at its `expires_at`, whether or not the expiry run has written it off yet."""

    async def test_points_past_their_expiry_cannot_be_redeemed_before_the_expiry_run(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)  # the welcome lot of 100
        await session.commit()
        past = NOW + timedelta(days=programme.expiry.days, hours=1)
        with pytest.raises(InsufficientPoints):
            await redeem_points(
                session, programme, CARDS, OWNER, member=shown(member), points="1", source="msg:1:1", now=past
            )
        await session.rollback()

    async def test_a_coupon_cannot_reserve_points_past_their_expiry(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)  # 100 points, living until NOW + expiry.days
        await sale(session, programme, member, "2000", receipt="A1", now=NOW + timedelta(days=10))  # 100 more
        await session.commit()
        past = NOW + timedelta(days=programme.expiry.days, hours=1)
        with pytest.raises(InsufficientPoints):  # the cappuccino costs 150; 100 of the 200 have expired
            await issue_coupon(session, programme, member, "free_cappuccino", past, "k1")
        await session.rollback()

    async def test_spending_writes_the_due_expiries_first_so_the_balance_stays_true(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "1000", receipt="A1", now=NOW + timedelta(days=10))  # a younger 50
        await session.commit()
        past = NOW + timedelta(days=programme.expiry.days, hours=1)
        done = await redeem_points(
            session, programme, CARDS, OWNER, member=shown(member), points="30", source="msg:1:2", now=past
        )
        await session.commit()
        assert done.balance == 20
        amounts = await session.scalars(
            select(LedgerEntry.amount).where(LedgerEntry.member_id == member).order_by(LedgerEntry.id)
        )
        assert amounts.all() == [100, 50, -100, -30]  # the welcome lot written off before the redemption
        assert await expire_due(session, past, clock.zone(programme)) == []  # nothing left for the nightly run
        await session.commit()
        assert (await verify(session)).ok

    async def test_points_shown_leave_out_lots_past_their_expiry(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        await session.commit()
        past = NOW + timedelta(days=programme.expiry.days, hours=1)
        assert (await standing(session, programme, member, NOW)).points == 100
        shown_then = await standing(session, programme, member, past)
        assert (shown_then.points, shown_then.next_expiry) == (0, None)
        view = await member_view(session, 1, past)
        assert view is not None
        assert view.balance == 0
        card = await value_card(session, programme, CARDS, OWNER, member=shown(member), now=past)
        assert card.balance == 0
        await session.rollback()
        assert await balance(session, member) == 100  # stored until written off: reading writes nothing
