"""Coupons: issued once per key, points reserved or spent, used once at the till, refused with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import (
    CouponExpired,
    CouponForeign,
    CouponUnknown,
    CouponUsed,
    OfferLimitReached,
    OfferUnavailable,
    UnknownOffer,
)
from models.core.programme import Programme
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.offers.collections import Badge, award_completed
from models.offers.coupons import Coupon, issue_coupon, live_coupons, normalise_code, redeem_coupon, release_expired
from models.offers.ranking import activate_offer, best_offer, offers_page
from models.offers.recompute import refresh_member
from models.points import ledger
from models.points.ledger import LedgerEntry
from models.team.staff import Actor, Role
from tests.models.offers_data import NOW, buy, new_member
from tests.models.till import sale
from tests.support.units import step

CASHIER = Actor(777, Role.CASHIER)
CARDS = CardSigner(b"test")


async def earn_150(session: AsyncSession, member_id: int) -> None:
    """The points a free cappuccino costs, as if from a sale (members here joined long ago: their welcome points
    have expired)."""
    async with step(session):
        await ledger.credit(
            session,
            member_id=member_id,
            points=150,
            kind="sale",
            reason="",
            key="s",
            now=NOW,
            zone=UTC,
            expires_at=NOW + timedelta(days=300),
        )


async def balance(session: AsyncSession, member_id: int, at: datetime = NOW) -> int:
    """The points the member can spend `at`."""
    return await ledger.points(session, member_id, at)


class TestIssue:
    async def test_same_key_same_coupon_and_one_live_coupon_per_offer(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        async with step(session):
            first = await issue_coupon(session, programme, member_id, "croissant_gift", NOW, "k1")
        async with step(session):
            again = await issue_coupon(session, programme, member_id, "croissant_gift", NOW, "k1")
        async with step(session):
            double_tap = await issue_coupon(session, programme, member_id, "croissant_gift", NOW, "k2")
        assert first.created
        assert not again.created
        assert not double_tap.created
        assert again.coupon.code == double_tap.coupon.code == first.coupon.code
        assert first.coupon.expires_at == NOW + timedelta(days=7)
        assert normalise_code(first.coupon.shown_code.lower()) == first.coupon.code

    async def test_reward_spends_its_points_with_a_business_key(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        await earn_150(session, member_id)
        async with step(session):
            issued = await issue_coupon(session, programme, member_id, "free_cappuccino", NOW, "k1")
        assert issued.coupon.points == 150
        assert await balance(session, member_id) == 0
        assert (await ledger.find(session, "coupon:k1")) is not None

    async def test_refusals(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 1)
        with pytest.raises(UnknownOffer):
            async with step(session):
                await issue_coupon(session, programme, member_id, "nope", NOW, "k1")
        with pytest.raises(OfferUnavailable):
            async with step(session):
                await issue_coupon(session, programme, member_id, "seasonal_six", NOW, "k2")

    async def test_per_member_limit_counts_used_coupons_in_its_period(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        async with step(session):
            issued = await issue_coupon(session, programme, member_id, "croissant_gift", NOW, "k1")
        async with step(session):
            await redeem_coupon(session, programme, CARDS, CASHIER, issued.coupon.code, now=NOW)
        with pytest.raises(OfferLimitReached):
            async with step(session):
                await issue_coupon(session, programme, member_id, "croissant_gift", NOW, "k2")

    async def test_a_stamp_card_s_reward_counts_towards_no_limit(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        once = programme.model_copy(
            update={
                "offers": [
                    offer.model_copy(update={"per_member_limit": 1}) if offer.id == "free_cappuccino" else offer
                    for offer in programme.offers
                ]
            }
        )
        member_id = await new_member(session, once, 1)
        done = await sale(session, once, member_id, "5000", category="coffee", quantity="x6", now=NOW)
        ((reward, code),) = done.rewards  # the card filled: a cappuccino on us
        assert reward == "free_cappuccino"
        async with step(session):
            await redeem_coupon(session, once, CARDS, CASHIER, code, now=NOW)
        async with step(session):  # the one cappuccino a month the catalogue allows, bought with points
            bought = await issue_coupon(session, once, member_id, "free_cappuccino", NOW, "k1")
        assert bought.created
        async with step(session):
            await redeem_coupon(session, once, CARDS, CASHIER, bought.coupon.code, now=NOW)
        with pytest.raises(OfferLimitReached):
            async with step(session):
                await issue_coupon(session, once, member_id, "free_cappuccino", NOW, "k2")


class TestRedeem:
    async def test_used_once_then_refused_with_the_date(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 1)
        async with step(session):
            code = (await issue_coupon(session, programme, member_id, "comeback_20", NOW, "k1")).coupon.shown_code
        async with step(session):
            used = await redeem_coupon(
                session, programme, CARDS, CASHIER, code.lower(), now=NOW, member=shown(member_id)
            )
        assert used.offer is not None
        assert used.offer.discount_percent == 20
        with pytest.raises(CouponUsed) as refused:
            async with step(session):
                await redeem_coupon(session, programme, CARDS, CASHIER, code, now=NOW + timedelta(hours=1))
        assert refused.value.details["date"] == "2026-11-23"
        coupon = await session.scalar(select(Coupon))
        assert coupon is not None
        assert coupon.redeemed_by == CASHIER.telegram_id

    async def test_expired_unknown_and_foreign_coupons_are_refused(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        anna = await new_member(session, programme, 1)
        boris = await new_member(session, programme, 2)
        async with step(session):
            code = (await issue_coupon(session, programme, anna, "croissant_gift", NOW, "k1")).coupon.code
        with pytest.raises(CouponForeign):
            async with step(session):
                await redeem_coupon(session, programme, CARDS, CASHIER, code, now=NOW, member=shown(boris))
        with pytest.raises(CouponUnknown):
            async with step(session):
                await redeem_coupon(session, programme, CARDS, CASHIER, "ZZZZ-ZZZZ", now=NOW)
        with pytest.raises(CouponUnknown):
            async with step(session):
                await redeem_coupon(session, programme, CARDS, CASHIER, "0O1I", now=NOW)
        with pytest.raises(CouponExpired):
            async with step(session):
                await redeem_coupon(session, programme, CARDS, CASHIER, code, now=NOW + timedelta(days=8))
        assert (await session.scalar(select(Coupon))).redeemed_at is None  # type: ignore[union-attr]

    async def test_birthday_gift_pays_the_birthday_points_once_a_year(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        before = await balance(session, member_id)
        code = (await issue_coupon(session, programme, member_id, "birthday_gift", NOW, "k1")).coupon.code
        async with step(session):
            used = await redeem_coupon(session, programme, CARDS, CASHIER, code, now=NOW)
        assert used.gift_points == programme.bonuses.birthday
        assert await balance(session, member_id) == before + programme.bonuses.birthday
        with pytest.raises(OfferLimitReached):  # once per birthday
            async with step(session):
                await issue_coupon(session, programme, member_id, "birthday_gift", NOW + timedelta(days=1), "k2")
        async with step(session):
            next_year = await issue_coupon(
                session, programme, member_id, "birthday_gift", NOW + timedelta(days=365), "k3"
            )
        assert next_year.created


class TestReservedPoints:
    async def test_expired_reservation_gives_points_back_once(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        await earn_150(session, member_id)
        async with step(session):
            await issue_coupon(session, programme, member_id, "free_cappuccino", NOW, "k1")
        assert await balance(session, member_id) == 0
        async with step(session):
            assert await release_expired(session, programme, NOW + timedelta(days=13)) == 0
        async with step(session):
            assert await release_expired(session, programme, NOW + timedelta(days=15)) == 1
        async with step(session):
            assert await release_expired(session, programme, NOW + timedelta(days=16)) == 0
        assert await balance(session, member_id, NOW + timedelta(days=16)) == 150
        assert await live_coupons(session, member_id, NOW + timedelta(days=15)) == []

    async def test_points_given_back_by_a_lapsed_coupon_keep_the_expiry_of_their_lots(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        await ledger.credit(  # 100 points about to expire, 100 with a long life
            session,
            member_id=member_id,
            points=100,
            kind="sale",
            reason="",
            key="old",
            now=NOW,
            zone=UTC,
            expires_at=NOW + timedelta(days=3),
        )
        await ledger.credit(
            session,
            member_id=member_id,
            points=100,
            kind="sale",
            reason="",
            key="young",
            now=NOW,
            zone=UTC,
            expires_at=NOW + timedelta(days=300),
        )
        await issue_coupon(session, programme, member_id, "free_cappuccino", NOW, "k1")  # 100 old + 50 young
        await session.commit()
        assert await release_expired(session, programme, NOW + timedelta(days=15)) == 1
        await session.commit()
        lots = await ledger.live_lots(session, member_id, NOW + timedelta(days=15))
        assert [(lot.remaining, lot.expires_at) for lot in lots] == [(50, NOW + timedelta(days=300))] * 2
        assert await balance(session, member_id, NOW + timedelta(days=15)) == 100
        kinds = await session.scalars(
            select(LedgerEntry.amount).where(LedgerEntry.member_id == member_id).order_by(LedgerEntry.id)
        )
        # the welcome lot (long expired), the two sales, the coupon; then the 100 old points come back already past
        # their date and are written off at once, the 50 young ones come back with their own expiry
        assert kinds.all()[-3:] == [100, 50, -100]

    async def test_points_given_back_by_a_coupon_are_not_spendable_past_their_lots_expiry(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        await earn_150(session, member_id)  # lives 300 days
        await issue_coupon(session, programme, member_id, "free_cappuccino", NOW, "k1")
        await session.commit()
        assert await release_expired(session, programme, NOW + timedelta(days=15)) == 1
        await session.commit()
        assert await balance(session, member_id, NOW + timedelta(days=299)) == 150
        assert await balance(session, member_id, NOW + timedelta(days=301)) == 0


class TestMemberSide:
    async def test_activation_needs_the_offer_to_suit_the_member(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        await buy(session, member_id, NOW - timedelta(days=2))
        await session.commit()
        async with step(session):
            await refresh_member(session, programme, member_id, NOW)
        with pytest.raises(OfferUnavailable):  # a discount for a newcomer
            async with step(session):
                await activate_offer(session, programme, member_id, "comeback_20", NOW, "a1")
        async with step(session):
            issued = await activate_offer(session, programme, member_id, "croissant_gift", NOW, "a2")
        async with step(session):
            again = await activate_offer(session, programme, member_id, "croissant_gift", NOW, "a3")
        assert again.coupon.code == issued.coupon.code
        page = await offers_page(session, programme, member_id, NOW)
        assert page.coupon_for("croissant_gift") == issued.coupon
        best = await best_offer(session, programme, member_id, NOW)
        assert best is not None
        assert best.points_cost == 0

    async def test_completing_a_collection_pays_once_and_grants_the_badge(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 1)
        for day, category in enumerate(("seasonal", "coffee", "tea", "pastry", "breakfast")):
            await buy(session, member_id, NOW - timedelta(days=10 - day), category=category)
        await session.commit()
        before = await balance(session, member_id)
        async with step(session):
            assert (await refresh_member(session, programme, member_id, NOW)).notices == ()
        page = await offers_page(session, programme, member_id, NOW)
        assert [(p.offer.id, p.items, p.total) for p in page.progress] == [("seasonal_six", 5, 6)]
        await buy(session, member_id, NOW - timedelta(hours=1), category="beans")
        await session.commit()
        async with step(session):
            refreshed = await refresh_member(session, programme, member_id, NOW)
        assert [notice.posted.amount for notice in refreshed.notices] == [300]
        async with step(session):
            assert (await refresh_member(session, programme, member_id, NOW)).notices == ()
        assert await balance(session, member_id) == before + 300
        assert (await session.scalars(select(Badge.collection))).all() == ["seasonal_six"]
        async with step(session):
            assert await award_completed(session, programme, member_id, {"seasonal_six": 6}, NOW) == []
