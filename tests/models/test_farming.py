"""Bonuses are earned by real purchases: no referral or collection pays for a token sale, a refund takes back what
the purchase alone earned, the bonuses a sale pays count towards the cashier's day, and refunds have their limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import outbox
from models.core.errors import LimitExceeded, RefundNeedsManager
from models.core.programme import Programme
from models.members.numbers import shown
from models.members.registry import Member
from models.offers.collections import badges_of
from models.offers.recompute import refresh_member
from models.team import staff
from models.till.redemption import redeem_points
from models.till.refunds import refund
from tests.models.till import CARDS, CASHIER, NOW, OWNER, appoint, new_member, sale

SIX = ["seasonal", "coffee", "tea", "pastry", "breakfast", "beans"]


async def balance(session: AsyncSession, member_id: int) -> int:
    return int(await session.scalar(select(Member.balance).where(Member.id == member_id)) or 0)


async def invited(session: AsyncSession, programme: Programme) -> tuple[int, int]:
    inviter = await new_member(session, programme, 1)
    code = (await session.get_one(Member, inviter)).referral_code
    newcomer = await new_member(session, programme, 2, ref=code)
    await session.commit()
    return inviter, newcomer


async def shortfall_reports(session: AsyncSession) -> list[dict[str, object]]:
    rows = await session.scalars(
        select(outbox.OutboxMessage.payload).where(outbox.OutboxMessage.kind == outbox.REFUND_SHORTFALL)
    )
    return list(rows)


class TestReferralFarming:
    async def test_a_referral_pays_only_on_a_purchase_of_the_minimum(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        assert programme.bonuses.referral_min_purchase == 300
        inviter, newcomer = await invited(session, programme)
        await sale(session, programme, newcomer, "0.01", receipt="T1")
        await sale(session, programme, newcomer, "299.99", receipt="T2")
        assert (await balance(session, inviter), await balance(session, newcomer)) == (100, 100 + 14)
        await sale(session, programme, newcomer, "300", receipt="T3")
        assert (await balance(session, inviter), await balance(session, newcomer)) == (250, 100 + 14 + 15 + 50)

    async def test_refunding_the_purchase_that_paid_a_referral_takes_the_bonuses_back(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        inviter, newcomer = await invited(session, programme)
        await sale(session, programme, newcomer, "300", receipt="R1")
        await session.commit()
        done = await refund(session, programme, OWNER, receipt="R1", now=NOW)
        assert (done.unrecovered, await balance(session, inviter), await balance(session, newcomer)) == (0, 100, 100)
        assert await shortfall_reports(session) == []

    async def test_a_spent_referral_bonus_is_reported_when_its_refund_falls_short(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        inviter, newcomer = await invited(session, programme)
        await sale(session, programme, newcomer, "300", receipt="R1")
        await redeem_points(
            session, programme, CARDS, OWNER, member=shown(inviter), points="200", source="m:1", now=NOW
        )
        await session.commit()
        done = await refund(session, programme, OWNER, receipt="R1", now=NOW)
        assert done.unrecovered == 100  # the inviter kept 50 of 250 after spending 200; 100 of their 150 are gone
        assert await balance(session, inviter) == 0
        assert await shortfall_reports(session) == [
            {"receipt": "R1", "member": shown(newcomer), "points": 100, "by": OWNER.telegram_id}
        ]

    async def test_referral_bonuses_count_towards_the_cashiers_daily_limit(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await staff.appoint(
            session,
            programme,
            owner=OWNER,
            owners=frozenset({OWNER.telegram_id}),
            user_id=CASHIER.telegram_id,
            role="cashier",
            max_sale=None,
            points_per_day="100",
            now=NOW,
        )
        inviter, newcomer = await invited(session, programme)
        with pytest.raises(LimitExceeded) as refused:  # 15 points of its own, and 150 + 50 it pays
            await sale(session, programme, newcomer, "300", receipt="R1", actor=CASHIER)
        assert refused.value.details["asked"] == 215
        assert (await balance(session, inviter), await balance(session, newcomer)) == (100, 100)


class TestCollectionFarming:
    async def test_a_collection_counts_only_purchases_of_its_minimum(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        for n, category in enumerate(SIX):
            await sale(session, programme, member, "0.01", category=category, receipt=f"S{n}")
        await refresh_member(session, programme, member, NOW)
        assert (await badges_of(session, member), await balance(session, member)) == ([], 100)
        for n, category in enumerate(SIX):
            await sale(session, programme, member, "150", category=category, receipt=f"B{n}")
        await refresh_member(session, programme, member, NOW)
        assert await badges_of(session, member) == ["seasonal_six"]
        assert await balance(session, member) == 100 + 6 * 7 + 300

    async def test_a_refund_that_breaks_a_completed_collection_takes_its_points_back(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        for n, category in enumerate(SIX):
            await sale(session, programme, member, "150", category=category, receipt=f"B{n}")
        await refresh_member(session, programme, member, NOW)
        await session.commit()
        done = await refund(session, programme, OWNER, receipt="B0", now=NOW)
        assert (done.points_back, done.unrecovered) == (7, 0)
        refreshed = await refresh_member(session, programme, member, NOW)  # what follows the refund
        assert [notice.posted.amount for notice in refreshed.notices] == [-300]
        assert await badges_of(session, member) == []
        assert await balance(session, member) == 100 + 5 * 7
        await refresh_member(session, programme, member, NOW)
        assert await balance(session, member) == 100 + 5 * 7


class TestRefundLimits:
    async def test_a_cashier_refunds_only_within_max_sale_and_the_refund_window(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await appoint(session, programme)
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "25000", receipt="BIG")
        old = NOW - timedelta(days=programme.staff.refund_window_days, minutes=1)
        await sale(session, programme, member, "100", receipt="OLD", now=old)
        await sale(session, programme, member, "100", receipt="NEW", now=NOW - timedelta(days=13))
        await session.commit()
        with pytest.raises(RefundNeedsManager) as refused:
            await refund(session, programme, CASHIER, receipt="BIG", now=NOW)
        assert refused.value.details["reason"] == "max_sale"
        with pytest.raises(RefundNeedsManager) as refused:
            await refund(session, programme, CASHIER, receipt="OLD", now=NOW)
        assert refused.value.details == {"reason": "window", "days": 14}
        assert (await refund(session, programme, CASHIER, receipt="NEW", now=NOW)).created
        for receipt in ("BIG", "OLD"):
            assert (await refund(session, programme, OWNER, receipt=receipt, now=NOW)).created

    async def test_a_refund_that_cannot_take_back_its_points_is_reported_to_owners(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "1000", receipt="A1")
        await redeem_points(session, programme, CARDS, OWNER, member=shown(member), points="120", source="m:1", now=NOW)
        done = await refund(session, programme, OWNER, receipt="A1", now=NOW)
        assert done.unrecovered == 20
        assert await shortfall_reports(session) == [
            {"receipt": "A1", "member": shown(member), "points": 20, "by": OWNER.telegram_id}
        ]
