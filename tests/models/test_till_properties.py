"""Random histories of sales paid partly with points, stamp cards, refunds, rewards used and expiry keep books whole.

After every step: each balance equals the sum of its entries and is never negative (`models.points.check`); each
stamp card's counts equal the sum of its entries, never show more rewards than its stamps fill, and every reward not
withdrawn is a coupon. A sale never pays more than `max_pay_share` of its bill with points, and asking for more (or
for more than the balance) is refused, changing nothing. A sale refunded at once leaves exactly what was there before
it: the points that can be spent with their expiry dates, the stamps, the reward coupons.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import clock
from models.core.errors import CannotPayWithPoints
from models.core.programme import Programme, StampCard
from models.offers.coupons import Coupon, is_live, redeem_coupon
from models.points import ledger
from models.points.check import verify
from models.points.expiry import expire_due
from models.till.payment import most_points, pay_key
from models.till.refunds import refund
from models.till.stamps import StampCardState, StampEntry
from tests.models.till import CARDS, NOW, OWNER, new_member, sale
from tests.support.examples import seen
from tests.support.units import step

MEMBERS = 2
runs = itertools.count(1)


@dataclass(frozen=True)
class Sell:
    who: int
    cents: int
    coffee: bool
    quantity: int
    pay: int  # points asked to pay with, in percent of the most the rule allows (above 100: too many); 0: none


@dataclass(frozen=True)
class Refund:
    sale: int  # which sale so far, counted round their number


@dataclass(frozen=True)
class SellAndRefund:
    """A sale refunded at once: everything must be as it was before it."""

    sell: Sell


@dataclass(frozen=True)
class UseReward:
    """A cashier takes any member's oldest reward coupon still usable."""


@dataclass(frozen=True)
class Expire:
    days: int


Op = Sell | Refund | SellAndRefund | UseReward | Expire
sells = st.builds(
    Sell,
    st.integers(0, MEMBERS - 1),
    st.integers(100, 600_000),
    st.booleans(),
    st.integers(1, 4),
    st.one_of(st.just(0), st.integers(1, 150)),
)
operations = st.lists(
    st.one_of(
        sells,
        st.builds(Refund, st.integers(0, 30)),
        st.builds(SellAndRefund, sells),
        st.just(UseReward()),
        st.builds(Expire, st.integers(1, 4)),
    ),
    min_size=1,
    max_size=20,
)


@dataclass(frozen=True)
class Snapshot:
    """What a member has: points to spend by expiry date, stamp card counts, reward coupons not withdrawn."""

    points: int
    lots: dict[datetime, int]
    cards: dict[str, tuple[int, int]]
    coupons: frozenset[str]


@dataclass
class Run:
    session: AsyncSession
    programme: Programme
    number: int = field(default_factory=lambda: next(runs))
    now: datetime = NOW
    members: list[int] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    sales: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def snapshot(self, member: int) -> Snapshot:
        session = self.session
        lots: Counter[datetime] = Counter()
        for lot in await ledger.live_lots(session, member, self.now):
            lots[lot.expires_at] += lot.remaining
        rows = await session.execute(
            select(StampCardState.card, StampCardState.stamps, StampCardState.rewards).where(
                StampCardState.member_id == member
            )
        )
        keys = await session.scalars(select(Coupon.key).where(Coupon.member_id == member, Coupon.released_at.is_(None)))
        found = Snapshot(
            await ledger.points(session, member, self.now),
            dict(lots),
            {card: (stamps, rewards) for card, stamps, rewards in rows if stamps or rewards},
            frozenset(keys),
        )
        await session.rollback()
        return found

    async def sell(self, op: Sell) -> str | None:
        """Record the sale; its receipt, or None when paying with points was refused (checked against the rule)."""
        member = self.members[op.who]
        receipt = f"t{self.number}-{next(self.sales)}"
        amount = f"{op.cents / 100:.2f}"
        before = await self.snapshot(member)
        allowed = min(before.points, most_points(self.programme, op.cents))
        asked = max(1, allowed * op.pay // 100) if op.pay else 0
        try:
            result = await sale(
                self.session,
                self.programme,
                member,
                amount,
                receipt=receipt,
                category="coffee" if op.coffee else "tea",
                quantity=f"x{op.quantity}",
                pay=asked,
                now=self.now,
            )
        except CannotPayWithPoints:
            seen("paying refused")
            assert asked > allowed
            assert await self.snapshot(member) == before
            return None
        assert asked <= allowed
        seen("paid with points" if op.pay else "paid in money")
        if result.rewards:
            seen("card completed")
        paid = await ledger.find(self.session, pay_key(f"sale:{receipt}"))
        assert (0 if paid is None else -paid.amount) == result.paid_points == asked
        assert result.covered_cents <= op.cents * self.programme.max_pay_share
        self.receipts.append(receipt)
        return receipt

    async def refund(self, receipt: str) -> None:
        async with step(self.session):
            await refund(self.session, self.programme, OWNER, receipt=receipt, now=self.now)

    async def use_reward(self) -> None:
        code = await self.session.scalar(
            select(Coupon.code)
            .where(Coupon.member_id.in_(self.members), Coupon.key.like("stamp:%"), is_live(self.now))  # type: ignore[arg-type]
            .order_by(Coupon.id)
            .limit(1)
        )
        if code is not None:
            seen("reward used")
            async with step(self.session):
                await redeem_coupon(self.session, self.programme, CARDS, OWNER, code, now=self.now)

    async def apply(self, op: Op) -> None:
        if isinstance(op, Sell):
            await self.sell(op)
        elif isinstance(op, Refund):
            if self.receipts:
                await self.refund(self.receipts.pop(op.sale % len(self.receipts)))
        elif isinstance(op, SellAndRefund):
            member = self.members[op.sell.who]
            before = await self.snapshot(member)
            if (receipt := await self.sell(op.sell)) is not None:
                self.receipts.remove(receipt)
                await self.refund(receipt)
            assert await self.snapshot(member) == before
        elif isinstance(op, UseReward):
            await self.use_reward()
        else:
            self.now += timedelta(days=op.days)
            async with step(self.session):
                await expire_due(self.session, self.now, clock.zone(self.programme), checkpoint=self.session.commit)

    async def check(self, card: StampCard) -> None:
        report = await verify(self.session)
        assert report.ok, report.problems
        for member in self.members:
            stamps, rewards = (await self.snapshot(member)).cards.get(card.id, (0, 0))
            entries = (
                await self.session.execute(
                    select(
                        func.coalesce(func.sum(StampEntry.stamps), 0), func.coalesce(func.sum(StampEntry.rewards), 0)
                    ).where(StampEntry.member_id == member, StampEntry.card == card.id)
                )
            ).one()
            assert (stamps, rewards) == tuple(entries)
            assert stamps >= rewards * card.stamps >= 0
            held = await self.session.scalar(
                select(func.count()).where(
                    Coupon.member_id == member, Coupon.key.like("stamp:%"), Coupon.released_at.is_(None)
                )
            )
            assert held == rewards
        await self.session.rollback()


async def play(session: AsyncSession, programme: Programme, ops: list[Op]) -> Run:
    card = StampCard(id="coffee", category="coffee", stamps=3, reward="free_cappuccino")
    short = programme.model_copy(
        update={"expiry": programme.expiry.model_copy(update={"days": 3}), "stamp_cards": [card]}
    )
    run = Run(session, short)
    for index in range(MEMBERS):
        run.members.append(await new_member(session, short, 600_000 + run.number * 10 + index, now=run.now))
    for op in ops:
        run.now += timedelta(hours=6)
        await run.apply(op)
        await run.check(card)
    return run


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # examples and seed: tests/conftest.py
@given(ops=operations)
async def test_random_till_histories_keep_the_books(session: AsyncSession, programme: Programme, ops: list[Op]) -> None:
    await play(session, programme, ops)


async def test_a_refund_right_after_a_card_completed_withdraws_its_reward(
    session: AsyncSession, programme: Programme
) -> None:
    await play(session, programme, [Sell(0, 90_000, True, 2, 0), SellAndRefund(Sell(0, 60_000, True, 1, 100))])


async def test_a_refund_withdraws_a_newer_unused_reward_its_stamps_helped_complete(
    session: AsyncSession, programme: Programme
) -> None:
    """Two stamps, then a third that completes the card (its reward is the second sale's); refunding the first sale
    leaves one stamp, so the second sale's reward, unused, is withdrawn."""
    run = await play(session, programme, [Sell(0, 90_000, True, 2, 0), Sell(0, 60_000, True, 1, 0), Refund(0)])
    after = await run.snapshot(run.members[0])
    assert after.cards == {"coffee": (1, 0)}
    assert after.coupons == frozenset()


async def test_a_used_reward_stays_and_the_card_starts_again(session: AsyncSession, programme: Programme) -> None:
    await play(session, programme, [Sell(0, 90_000, True, 3, 0), UseReward(), Refund(0)])
