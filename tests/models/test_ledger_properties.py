"""Random sequences of earn / redeem / refund / expire / replay keep the ledger whole.

Against a small reference model of lots (spent and expired oldest first, a refund taking its own lot first), every
step must leave each balance equal to the sum of entries and never negative, and the points that can be spent equal
to the model's, which never counts a lot past its date, whether or not the expiry run has written it off; lots never
overspent; a replay never changes what can be spent. Every operation is recorded as it was applied (its update id,
time, the receipt it refunded), so that a replay repeats exactly that.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import clock
from models.core.errors import AdjustmentBelowZero, InsufficientPoints
from models.core.programme import Programme
from models.members.numbers import shown
from models.members.registry import Member
from models.points.check import verify
from models.points.expiry import expire_due
from models.points.ledger import spendable
from models.till.adjustments import adjust
from models.till.redemption import redeem_points
from models.till.refunds import refund
from tests.models.till import CARDS, NOW, OWNER, new_member, sale
from tests.support.units import step

EXPIRY_DAYS = 3
MEMBERS = 3
runs = itertools.count(1)


@dataclass(frozen=True)
class Earn:
    who: int
    cents: int
    with_receipt: bool
    update_id: int = 0


@dataclass(frozen=True)
class Redeem:
    who: int
    points: int
    update_id: int = 0


@dataclass(frozen=True)
class Refund:
    sale: int  # which sale so far, counted round their number when the refund runs
    receipt: str | None = None  # the sale that was, fixed before it runs: a replay refunds that same sale


@dataclass(frozen=True)
class Expire:
    days: int
    at: datetime = NOW


@dataclass(frozen=True)
class Replay:
    earlier: int


Op = Earn | Redeem | Refund | Expire | Replay
who = st.integers(0, MEMBERS - 1)
operations = st.lists(
    st.one_of(
        st.builds(Earn, who, st.integers(1, 2_000_000), st.booleans()),
        st.builds(Redeem, who, st.integers(1, 400)),
        st.builds(Refund, st.integers(0, 30)),
        st.builds(Expire, st.integers(1, 4)),
        st.builds(Replay, st.integers(0, 30)),
    ),
    min_size=1,
    max_size=25,
)


@dataclass
class Lot:
    key: str
    remaining: int
    expires_at: datetime


@dataclass
class Model:
    """What each member's lots should hold, kept in the order they are spent and expire."""

    lots: dict[int, list[Lot]] = field(default_factory=dict)

    def balance(self, member: int, now: datetime) -> int:
        """What the member can spend at `now`: lots past their date count for nothing."""
        return sum(lot.remaining for lot in self.lots[member] if lot.expires_at > now)

    def take(self, member: int, points: int, now: datetime, first: str | None = None) -> None:
        live = [lot for lot in self.lots[member] if lot.expires_at > now]
        ordered = sorted(live, key=lambda lot: lot.key != first)
        for lot in ordered:
            taken = min(points, lot.remaining)
            lot.remaining -= taken
            points -= taken

    def expire(self, now: datetime) -> None:
        for lots in self.lots.values():
            for lot in lots:
                if lot.expires_at <= now:
                    lot.remaining = 0


@dataclass
class Run:
    """One example: its own members, receipts and update ids, so examples never share a key."""

    session: AsyncSession
    programme: Programme
    number: int = field(default_factory=lambda: next(runs))
    now: datetime = NOW
    members: list[int] = field(default_factory=list)
    model: Model = field(default_factory=Model)
    sales: dict[str, tuple[int, int]] = field(default_factory=dict)  # receipt: member, points
    done: list[Op] = field(default_factory=list)
    updates: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def balances(self) -> list[int]:
        """The points each member can spend now."""
        rows = await self.session.execute(select(Member.id, spendable(self.now)).where(Member.id.in_(self.members)))
        found = dict(rows.all())
        await self.session.rollback()
        return [found[member] for member in self.members]

    async def apply(self, op: Op) -> bool:
        """Perform one operation; True when it wrote something."""
        if isinstance(op, Earn):
            member = self.members[op.who]
            receipt = f"r{self.number}-{op.update_id}" if op.with_receipt else None
            amount = f"{op.cents / 100:.2f}"
            result = await sale(
                self.session,
                self.programme,
                member,
                amount,
                receipt=receipt,
                source=f"msg:1:{op.update_id}",
                now=self.now,
            )
            if result.created and result.points:
                key = f"sale:{receipt}" if receipt else f"sale:msg:1:{op.update_id}"
                self.model.lots[member].append(Lot(key, result.points, self.now + timedelta(days=EXPIRY_DAYS)))
                if receipt:
                    self.sales[receipt] = (member, result.points)
            return result.created
        if isinstance(op, Redeem):
            member = self.members[op.who]
            try:
                async with step(self.session):
                    done = await redeem_points(
                        self.session,
                        self.programme,
                        CARDS,
                        OWNER,
                        member=shown(member),
                        points=str(op.points),
                        source=f"msg:1:{op.update_id}",
                        now=self.now,
                    )
            except InsufficientPoints:
                assert op.points > self.model.balance(member, self.now)
                return False
            if done.created:
                self.model.take(member, op.points, self.now)
            return done.created
        if isinstance(op, Refund):
            if op.receipt is None:
                return False
            member, points = self.sales[op.receipt]
            async with step(self.session):
                back = await refund(self.session, self.programme, OWNER, receipt=op.receipt, now=self.now)
            if back.created:
                assert back.points_back + back.unrecovered == points
                self.model.take(member, back.points_back, self.now, first=f"sale:{op.receipt}")
            return back.created
        assert isinstance(op, Expire)
        async with step(self.session):
            notices = await expire_due(self.session, op.at, clock.zone(self.programme), checkpoint=self.session.commit)
        self.model.expire(op.at)
        return bool(notices)

    def resolve(self, op: Refund) -> Refund:
        """The refund of one definite sale, chosen among the sales made so far."""
        if not self.sales:
            return op
        return replace(op, receipt=list(self.sales)[op.sale % len(self.sales)])

    async def check(self) -> None:
        assert await self.balances() == [self.model.balance(member, self.now) for member in self.members]
        report = await verify(self.session)
        assert report.ok, report.problems


async def play(session: AsyncSession, programme: Programme, ops: list[Op]) -> None:
    """Apply `ops` in turn, replaying earlier ones where asked, checking the ledger against the model at each step."""
    short_lived = programme.model_copy(update={"expiry": programme.expiry.model_copy(update={"days": EXPIRY_DAYS})})
    run = Run(session, short_lived)
    for index in range(MEMBERS):
        member = await new_member(session, short_lived, run.number * 100 + index, now=run.now)
        run.members.append(member)
        run.model.lots[member] = [Lot(f"welcome:{member}", short_lived.bonuses.welcome, NOW + timedelta(days=3))]
    for op in ops:
        run.now += timedelta(hours=6)
        if isinstance(op, Replay):
            if not run.done:
                continue
            earlier = run.done[op.earlier % len(run.done)]
            before = await run.balances()
            assert not await run.apply(earlier), f"replay of {earlier} wrote again"
            assert await run.balances() == before
        else:
            if isinstance(op, Expire):
                run.now += timedelta(days=op.days)
                op = replace(op, at=run.now)
            elif isinstance(op, Earn | Redeem):
                op = replace(op, update_id=next(run.updates))
            else:
                op = run.resolve(op)
            if await run.apply(op):
                run.done.append(op)
        await run.check()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # examples and seed: tests/conftest.py
@given(ops=operations)
async def test_random_ledger_histories_stay_consistent(
    session: AsyncSession, programme: Programme, ops: list[Op]
) -> None:
    await play(session, programme, ops)


async def test_a_replayed_refund_refunds_the_sale_it_refunded(session: AsyncSession, programme: Programme) -> None:
    # Refund(sale=1) ran when there was one sale, so it refunded that one; by the replay there are two, and picking
    # again (1 % 2) would refund the second sale: a new refund, not a replay.
    sale_ = Earn(who=0, cents=100_000, with_receipt=True)
    await play(session, programme, [sale_, Refund(sale=1), sale_, Replay(earlier=1)])


@dataclass(frozen=True)
class Adjust:
    who: int
    points: int  # signed


adjustment_histories = st.lists(
    st.one_of(
        st.builds(Earn, who, st.integers(1, 500_000), st.just(False)),
        st.builds(Adjust, who, st.integers(-400, 400).filter(bool)),
        st.builds(Expire, st.integers(1, 4)),
    ),
    min_size=1,
    max_size=20,
)


class TestAdjustmentsKeepTheLedgerWhole:
    """Manual adjustments among sales and expiry: every balance stays the sum of its entries and never negative; an
    adjustment moves what can be spent by exactly its points, or is refused (changing nothing) when it would take the
    balance below zero."""

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=adjustment_histories)
    async def test_adjustments_keep_balance_equal_to_entries_and_never_negative(
        self, session: AsyncSession, programme: Programme, ops: list[Earn | Adjust | Expire]
    ) -> None:
        short_lived = programme.model_copy(update={"expiry": programme.expiry.model_copy(update={"days": EXPIRY_DAYS})})
        run = Run(session, short_lived)
        for index in range(MEMBERS):
            run.members.append(await new_member(session, short_lived, run.number * 100 + index, now=run.now))
        for number, op in enumerate(ops):
            run.now += timedelta(hours=6)
            if isinstance(op, Expire):
                run.now += timedelta(days=op.days)
                async with step(session):
                    await expire_due(session, run.now, clock.zone(short_lived))
            elif isinstance(op, Earn):
                await sale(
                    session,
                    short_lived,
                    run.members[op.who],
                    f"{op.cents / 100:.2f}",
                    source=f"msg:{number}:1",
                    now=run.now,
                )
            else:
                before = await run.balances()
                try:
                    async with step(session):
                        await adjust(
                            session,
                            short_lived,
                            CARDS,
                            OWNER,
                            member=shown(run.members[op.who]),
                            change=f"{op.points:+d}",
                            reason="correction",
                            source=f"msg:{run.number}:{number}",
                            now=run.now,
                        )
                except AdjustmentBelowZero:
                    assert before[op.who] + op.points < 0
                    assert await run.balances() == before
                else:
                    expected = list(before)
                    expected[op.who] += op.points
                    assert await run.balances() == expected
            assert all(points >= 0 for points in await run.balances())
            report = await verify(session)
            assert report.ok, report.problems
