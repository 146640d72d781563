"""Sales, refunds and redemptions at the till: points, tiers, referrals, limits, idempotency, the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.amounts import parse_amount
from models.core.errors import (
    BadAmount,
    BadPoints,
    BadReceipt,
    InsufficientPoints,
    LimitExceeded,
    MemberForgotten,
    OwnMembership,
    UnknownCategory,
    UnknownMember,
    UnknownReceipt,
)
from models.core.programme import Programme
from models.members.numbers import shown
from models.members.registry import Member
from models.points import ledger
from models.points.purchases import Purchase
from models.team.audit import AuditEvent
from models.team.staff import Actor
from models.till.redemption import redeem_points
from models.till.refunds import refund
from models.till.sales import points_for
from tests.models.till import CARDS, CASHIER, NOW, OWNER, appoint, new_member, sale
from tests.support.units import step


async def balance(session: AsyncSession, member_id: int) -> int:
    value = await session.scalar(select(Member.balance).where(Member.id == member_id))
    await session.rollback()
    return int(value or 0)


async def audit_actions(session: AsyncSession) -> list[str]:
    actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    await session.rollback()
    return actions


class TestAmounts:
    @pytest.mark.parametrize(("typed", "cents"), [("450", 45_000), ("450.50", 45_050), ("450,5", 45_050), ("0.01", 1)])
    def test_accepted_forms(self, programme: Programme, typed: str, cents: int) -> None:
        assert parse_amount(typed, programme) == cents

    @pytest.mark.parametrize("typed", ["-5", "0", "0.00", "abc", "450.505", "4 50", "1e3", "", "100001"])
    def test_refused_forms_name_an_example(self, programme: Programme, typed: str) -> None:
        with pytest.raises(BadAmount) as refused:
            parse_amount(typed, programme)
        assert refused.value.details["example"] == "450.50"

    def test_points_round_down_at_the_tier_multiplier(self, programme: Programme) -> None:
        assert points_for(programme, 19_999, programme.tier("bronze")) == 9
        assert points_for(programme, 100_000, programme.tier("silver")) == 62  # 5% x 1.25 of 1000 = 62.5


class TestSale:
    async def test_sale_earns_points_and_is_audited(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        result = await sale(session, programme, member, "450.50", receipt="#A1", category="Coffee")
        assert (result.created, result.points, result.balance) == (True, 22, 122)
        assert await balance(session, member) == 122
        assert await audit_actions(session) == ["sale"]
        assert [n.posted.amount for n in result.notices] == [22]

    async def test_repeated_receipt_credits_once(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "1000", receipt="A1", source="msg:1:1")
        again = await sale(session, programme, member, "1000", receipt="#A1", source="msg:1:2")
        assert not again.created
        assert again.notices == ()
        assert await balance(session, member) == 150
        assert await session.scalar(select(func.count()).select_from(Purchase)) == 1

    async def test_replayed_update_without_receipt_records_once(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "10", source="msg:1:7")  # earns no points, still one purchase
        await sale(session, programme, member, "10", source="msg:1:7")
        await sale(session, programme, member, "10", source="msg:1:8")
        assert await session.scalar(select(func.count()).select_from(Purchase)) == 2

    async def test_unknown_category_lists_the_valid_ones(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        with pytest.raises(UnknownCategory) as refused:
            await sale(session, programme, member, "100", category="pizza")
        assert "coffee, tea" in str(refused.value.details["valid"])

    async def test_bad_receipt_and_unknown_member_change_nothing(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        with pytest.raises(BadReceipt):
            await sale(session, programme, member, "100", receipt="#")
        with pytest.raises(UnknownMember):
            await sale(session, programme, 999, "100")
        assert await balance(session, member) == 100
        assert await audit_actions(session) == []

    async def test_member_found_by_phone_and_by_card(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        await session.execute(update(Member).where(Member.id == member).values(phone="+79001234567"))
        await session.commit()
        by_phone = await sale(session, programme, "8 900 123-45-67", "100", source="msg:1:1")
        by_card = await sale(session, programme, CARDS.issue(member, NOW), "100", source="msg:1:2")
        assert by_phone.member_id == by_card.member_id == member

    async def test_forgotten_member_is_refused(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        await session.execute(update(Member).where(Member.id == member).values(forgotten_at=NOW))
        await session.commit()
        with pytest.raises(MemberForgotten):
            await sale(session, programme, member, "100")

    async def test_crossing_a_threshold_promotes_and_earns_more_next_time(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        first = await sale(session, programme, member, "10000", receipt="A1")
        assert (first.points, first.promoted, first.tier.name) == (500, True, "silver")
        second = await sale(session, programme, member, "1000", receipt="A2")
        assert (second.points, second.promoted) == (62, False)

    async def test_refund_can_drop_the_tier(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "10000", receipt="A1")
        async with step(session):
            await refund(session, programme, OWNER, receipt="#A1", now=NOW)
        stored = await session.get_one(Member, member)
        assert stored.tier == "bronze"


class TestReferral:
    async def test_first_purchase_pays_inviter_and_newcomer_once(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        inviter = await new_member(session, programme, 1)
        code = (await session.get_one(Member, inviter)).referral_code
        newcomer = await new_member(session, programme, 2, ref=code)
        first = await sale(session, programme, newcomer, "300", receipt="A1")
        await sale(session, programme, newcomer, "300", receipt="A2")
        bonuses = programme.bonuses
        assert await balance(session, inviter) == 100 + bonuses.referral_inviter
        assert await balance(session, newcomer) == 100 + 15 + 15 + bonuses.referral_invitee
        assert sorted(n.posted.amount for n in first.notices) == sorted(
            [15, bonuses.referral_inviter, bonuses.referral_invitee]
        )

    async def test_newcomer_bonus_alone_is_paid_once(self, session: AsyncSession, programme: Programme) -> None:
        bonuses = programme.bonuses.model_copy(update={"referral_inviter": 0})
        newcomer_only = programme.model_copy(update={"bonuses": bonuses})
        inviter = await new_member(session, programme, 1)
        code = (await session.get_one(Member, inviter)).referral_code
        newcomer = await new_member(session, programme, 2, ref=code)
        await sale(session, newcomer_only, newcomer, "300", receipt="A1")
        await sale(session, newcomer_only, newcomer, "300", receipt="A2")
        assert await balance(session, inviter) == 100
        assert await balance(session, newcomer) == 100 + 15 + 15 + bonuses.referral_invitee


class TestLimits:
    async def test_cashier_sale_over_the_limit_is_refused_and_recorded(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await appoint(session, programme)
        member = await new_member(session, programme, 1)
        with pytest.raises(LimitExceeded) as refused:
            await sale(session, programme, member, "20000.01", actor=CASHIER)
        assert refused.value.details["limit"] == "max_sale"
        assert await balance(session, member) == 100
        assert await audit_actions(session) == ["staff.add", "limit.breach"]
        assert (await sale(session, programme, member, "20000.01", actor=OWNER)).created

    async def test_cashier_points_per_day_counts_sales_and_redemptions(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await appoint(session, programme)
        members = [await new_member(session, programme, telegram_id) for telegram_id in range(1, 5)]
        for number, member in enumerate(members):  # 4 x 1000 points = 4000 of the 5000 a day
            await sale(session, programme, member, "20000", receipt=f"R{number}", actor=CASHIER)
        member = members[0]
        async with step(session):
            await redeem_points(
                session, programme, CARDS, CASHIER, member=shown(member), points="900", source="msg:1:9", now=NOW
            )
        with pytest.raises(LimitExceeded) as refused:
            await sale(session, programme, members[1], "2000", receipt="R9", actor=CASHIER)
        assert refused.value.details == {"limit": "points_per_day", "allowed": 5000, "used": 4900, "asked": 125}
        tomorrow = NOW + timedelta(days=1)
        assert (await sale(session, programme, members[1], "2000", receipt="R9", actor=CASHIER, now=tomorrow)).created


class TestOwnMembership:
    @pytest.mark.parametrize("actor", [CASHIER, OWNER])
    async def test_staff_cannot_credit_or_spend_their_own_membership(
        self, session: AsyncSession, programme: Programme, actor: Actor
    ) -> None:
        await appoint(session, programme)
        own = await new_member(session, programme, actor.telegram_id)
        await session.commit()
        with pytest.raises(OwnMembership):
            await sale(session, programme, own, "500", actor=actor)
        with pytest.raises(OwnMembership):
            await sale(session, programme, own, "500", receipt="R1", actor=actor)
        with pytest.raises(OwnMembership):
            await redeem_points(session, programme, CARDS, actor, member=shown(own), points="10", source="m:1", now=NOW)
        assert await balance(session, own) == 100
        assert await session.scalar(select(func.count()).select_from(Purchase)) == 0
        colleague = CASHIER if actor == OWNER else OWNER
        assert (await sale(session, programme, own, "500", actor=colleague)).created


class TestRefund:
    async def test_refund_takes_the_points_back_once(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "1000", receipt="A1")
        async with step(session):
            done = await refund(session, programme, OWNER, receipt="A1", now=NOW)
        async with step(session):
            again = await refund(session, programme, OWNER, receipt="#A1", now=NOW)
        assert (done.created, done.points_back, done.unrecovered, done.balance) == (True, 50, 0, 100)
        assert not again.created
        assert await balance(session, member) == 100
        purchase = await session.scalar(select(Purchase).where(Purchase.receipt == "A1"))
        assert purchase is not None
        assert purchase.refunded_at == NOW

    async def test_points_already_spent_are_not_clawed_below_zero(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "1000", receipt="A1")
        async with step(session):
            await redeem_points(
                session, programme, CARDS, OWNER, member=shown(member), points="120", source="msg:1:5", now=NOW
            )
        async with step(session):
            done = await refund(session, programme, OWNER, receipt="A1", now=NOW)
        assert (done.points_back, done.unrecovered, done.balance) == (30, 20, 0)
        assert await ledger.entries_sum(session, member) == 0

    async def test_unknown_receipt_is_refused(self, session: AsyncSession, programme: Programme) -> None:
        with pytest.raises(UnknownReceipt):
            async with step(session):
                await refund(session, programme, OWNER, receipt="#nope", now=NOW)


class TestRedeem:
    async def test_redeem_spends_once_per_update(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        async with step(session):
            first = await redeem_points(
                session, programme, CARDS, CASHIER, member=shown(member), points="40", source="msg:1:3", now=NOW
            )
        async with step(session):
            again = await redeem_points(
                session, programme, CARDS, CASHIER, member=shown(member), points="40", source="msg:1:3", now=NOW
            )
        assert (first.created, first.balance, again.created) == (True, 60, False)
        assert await balance(session, member) == 60

    async def test_overdraw_and_bad_points_are_refused(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        with pytest.raises(InsufficientPoints):
            async with step(session):
                await redeem_points(
                    session, programme, CARDS, OWNER, member=shown(member), points="101", source="msg:1:1", now=NOW
                )
        for typed in ("0", "-3", "1.5", "lots"):
            with pytest.raises(BadPoints):
                async with step(session):
                    await redeem_points(
                        session, programme, CARDS, OWNER, member=shown(member), points=typed, source="msg:1:2", now=NOW
                    )
        assert await balance(session, member) == 100
