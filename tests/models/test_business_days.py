"""The dashboard's figures come from closed days' stored figures and today counted live, and equal what the base
tables say: random histories of sales at branches, refunds of old and new purchases, adjustments and erasures over
several days, the dashboard asked for random periods at random moments, each answer compared with a direct count
over every purchase, ledger entry and member (in Python, from the business day of each row)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.dashboard import Dashboard, DaySales, WeekMembers, dashboard, population
from models.analytics.days import READ_THROUGH_DAYS, BusinessDay, count_closed_days, first_open_day, pack, unpack
from models.core import clock
from models.core.errors import DomainError
from models.core.programme import Branch, Programme
from models.members.numbers import shown
from models.members.registry import Member
from models.membership.privacy import forget
from models.points.ledger import LedgerEntry
from models.points.purchases import Purchase
from models.team.staff import Actor, Role
from models.till.adjustments import adjust
from models.till.refunds import refund
from tests.models.till import CARDS, NOW, OWNER, appoint, new_member, sale
from tests.support.examples import seen
from tests.support.units import step

MEMBERS = 3
BRANCHES = (None, "centre", "airport")  # where each seller works: the owner at none
runs = itertools.count(1)


@dataclass(frozen=True)
class Sell:
    who: int
    cents: int
    where: int  # index into BRANCHES
    pays: int = 0  # points paying part of the bill (refused, and so nothing, when the member has too few)


@dataclass(frozen=True)
class Refund:
    sale: int  # which sale so far, counted round their number


@dataclass(frozen=True)
class Adjust:
    who: int
    points: int


@dataclass(frozen=True)
class Forget:
    who: int


@dataclass(frozen=True)
class Wait:
    hours: int


@dataclass(frozen=True)
class Night:
    """The nightly job counts the closed days not stored yet."""


@dataclass(frozen=True)
class Ask:
    back: int  # days before today the period ends (negative: it runs into the future)
    days: int


Op = Sell | Refund | Adjust | Forget | Wait | Night | Ask
sells = st.builds(
    Sell,
    st.integers(0, MEMBERS - 1),
    st.integers(100, 300_000),
    st.integers(0, len(BRANCHES) - 1),
    st.sampled_from((0, 10)),
)
# Sales, refunds, waits and asks weigh more than adjustments and erasures (an erased member buys nothing more).
operations = st.lists(
    st.one_of(
        sells,
        sells,
        st.builds(Refund, st.integers(0, 50)),
        st.builds(Refund, st.integers(0, 50)),
        st.builds(Wait, st.integers(1, 40)),
        st.builds(Wait, st.integers(1, 40)),
        st.builds(Ask, st.integers(-2, 10), st.integers(1, 20)),
        st.builds(Ask, st.integers(-2, 10), st.integers(1, 20)),
        st.builds(Adjust, st.integers(0, MEMBERS - 1), st.integers(-300, 299).map(lambda n: n if n < 0 else n + 1)),
        st.builds(Forget, st.integers(0, MEMBERS - 1)),
        st.builds(Night),
    ),
    min_size=4,
    max_size=30,
)


def chain(programme: Programme) -> Programme:
    branches = [Branch(id="centre", name="Centre"), Branch(id="airport", name="Airport")]
    return programme.model_copy(update={"branches": branches})


async def expected(session: AsyncSession, programme: Programme, first: date, last: date, now: datetime) -> Dashboard:
    """The dashboard counted directly: every row read, its business day taken in Python."""

    def day(moment: datetime) -> date:
        return clock.business_day(programme, moment)

    members = (await session.execute(select(Member.joined_at, Member.forgotten_at, Member.balance))).all()
    purchases = (
        await session.execute(
            select(Purchase.created_at, Purchase.member_id, Purchase.branch, Purchase.amount_cents).where(
                Purchase.refunded_at.is_(None)
            )
        )
    ).all()
    entries = (await session.execute(select(LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.amount))).all()
    current = [m for m in members if m.forgotten_at is None]
    monday = first - timedelta(days=first.weekday())
    weeks, week = [], monday
    while week <= last:
        end = min(week + timedelta(days=6), last)  # a week is counted up to the period's end
        weeks.append(
            WeekMembers(
                week,
                sum(1 for m in members if day(m.joined_at) <= end),
                sum(1 for m in members if week <= day(m.joined_at) <= end),
            )
        )
        week += timedelta(days=7)
    bought = [p for p in purchases if first <= day(p.created_at) <= last]
    moved = [e for e in entries if first <= day(e.created_at) <= last]
    issued = sum(e.amount for e in moved if e.amount > 0)
    redeemed = -sum(e.amount for e in moved if e.kind in ("redeem", "pay"))  # on a reward or on a bill
    sales: dict[tuple[date, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for p in bought:
        sales[day(p.created_at), p.branch][0] += p.amount_cents
        sales[day(p.created_at), p.branch][1] += 1
    return Dashboard(
        first=first,
        last=last,
        members_per_week=weeks,
        active_share=len({p.member_id for p in bought}) / len(current) if current else 0.0,
        points_outstanding=sum(m.balance for m in current),
        redemption_rate=redeemed / issued if issued else 0.0,
        segments=[],
        sales_per_day=[
            DaySales(d, b, amount, count)
            for (d, b), (amount, count) in sorted(sales.items(), key=lambda s: (s[0][0], s[0][1] is not None, s[0][1]))
        ],
    )


@dataclass
class Run:
    session: AsyncSession
    programme: Programme
    now: datetime
    number: int = field(default_factory=lambda: next(runs))
    members: list[int] = field(default_factory=list)
    sellers: list[Actor] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    asked: int = 0

    async def start(self) -> None:
        for index in range(MEMBERS):
            member = await new_member(self.session, self.programme, 800_000 + self.number * 10 + index, now=self.now)
            self.members.append(member)
        self.sellers = [OWNER]
        for index, branch in enumerate(BRANCHES[1:]):
            seller = Actor(810_000 + self.number * 10 + index, Role.ADMIN)
            await appoint(self.session, self.programme, seller, branch=branch)
            self.sellers.append(seller)

    async def apply(self, op: Op) -> None:
        session, programme, now = self.session, self.programme, self.now
        try:
            if isinstance(op, Sell):
                receipt = f"P{self.number}-{len(self.receipts)}"
                await sale(
                    session,
                    programme,
                    self.members[op.who],
                    f"{op.cents / 100:.2f}",
                    receipt=receipt,
                    actor=self.sellers[op.where],
                    source=f"msg:{self.number}:{len(self.receipts)}",
                    now=now,
                    pay=op.pays,
                )
                self.receipts.append(receipt)
                seen("a sale paid partly with points" if op.pays else "a sale")
            elif isinstance(op, Refund) and self.receipts:
                receipt = self.receipts[op.sale % len(self.receipts)]
                stored = await self.stored(receipt)
                async with step(session):
                    await refund(session, programme, OWNER, receipt=receipt, now=now)
                seen("refund of a sale of a stored day" if stored else "refund")
            elif isinstance(op, Adjust):
                change = f"{op.points:+d}"
                async with step(session):
                    await adjust(
                        session,
                        programme,
                        CARDS,
                        OWNER,
                        member=shown(self.members[op.who]),
                        change=change,
                        reason="goodwill",
                        source=f"adj:{self.number}:{now.timestamp()}",
                        now=now,
                    )
            elif isinstance(op, Forget):
                async with step(session):
                    await forget(session, programme, self.members[op.who], now)
            elif isinstance(op, Wait):
                self.now += timedelta(hours=op.hours)
            elif isinstance(op, Night):
                async with step(session):
                    await count_closed_days(session, programme, now, checkpoint=session.commit)
            elif isinstance(op, Ask):
                await self.ask(op)
        except DomainError as refusal:
            seen(f"refused: {type(refusal).__name__}")

    async def stored(self, receipt: str) -> bool:
        """Whether the receipt's sale is counted in a stored day."""
        sold = await self.session.scalar(
            select(Purchase.created_at).where(Purchase.receipt == receipt, Purchase.refunded_at.is_(None))
        )
        day = None if sold is None else clock.business_day(self.programme, sold)
        found = await self.session.scalar(select(BusinessDay.day).where(BusinessDay.day == day))
        await self.session.rollback()
        return found is not None

    async def ask(self, op: Ask) -> None:
        today = clock.business_day(self.programme, self.now)
        last = today - timedelta(days=op.back)
        first = last - timedelta(days=op.days - 1)
        async with step(self.session):
            everyone = await population(self.session, self.programme, self.now)
            answer = await dashboard(self.session, self.programme, everyone, first, last, self.now)
        direct = await expected(self.session, self.programme, first, last, self.now)
        await self.session.rollback()
        assert answer == direct
        self.asked += 1
        if first < first_open_day(self.programme, self.now):
            seen("closed days read")


async def play(session: AsyncSession, programme: Programme, ops: list[Op]) -> None:
    run = Run(session, chain(programme), NOW)
    run.now = NOW + timedelta(days=60 * run.number)  # each example's days are its own
    await run.start()
    await run.apply(Night())  # the days since the last example, as the nightly job counted them
    for op in ops:
        run.now += timedelta(hours=1)
        await run.apply(op)
        await run.apply(Ask(0, 60))  # after every step, every day of the example


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # examples and seed: tests/conftest.py
@given(ops=operations)
async def test_the_dashboard_from_stored_days_equals_the_base_tables(
    session: AsyncSession, programme: Programme, ops: list[Op]
) -> None:
    await play(session, programme, ops)


async def test_a_refund_of_an_old_purchase_changes_its_days_figures(
    session: AsyncSession, programme: Programme
) -> None:
    await play(
        session,
        programme,
        [Sell(0, 50_000, 1), Sell(1, 20_000, 2), Wait(30), Ask(0, 3), Refund(0), Ask(0, 3), Wait(30), Ask(1, 3)],
    )


async def test_erasure_and_adjustments_over_days(session: AsyncSession, programme: Programme) -> None:
    await play(
        session,
        programme,
        [Sell(2, 90_000, 0), Adjust(2, 100), Wait(25), Ask(1, 2), Forget(2), Adjust(0, -50), Ask(0, 2), Wait(30)],
    )


async def test_points_that_paid_a_bill_are_stored_as_redeemed_on_their_day(
    session: AsyncSession, programme: Programme
) -> None:
    run = Run(session, chain(programme), NOW)
    run.now = NOW + timedelta(days=60 * run.number)
    sold = clock.business_day(run.programme, run.now)
    await run.start()
    await run.apply(Sell(0, 50_000, 1))  # earns the points
    await run.apply(Sell(0, 20_000, 2, pays=100))
    run.now += timedelta(days=2)
    await run.apply(Night())
    await run.apply(Ask(0, 5))  # the stored days against a direct count
    assert await session.scalar(select(BusinessDay.points_redeemed).where(BusinessDay.day == sold)) == 100


async def test_a_history_not_counted_yet_is_counted_for_the_reader_not_stored(
    session: AsyncSession, programme: Programme
) -> None:
    run = Run(session, chain(programme), NOW)
    run.now = NOW + timedelta(days=60 * run.number)
    await run.start()
    await run.apply(Sell(0, 12_000, 1))
    run.now += timedelta(days=READ_THROUGH_DAYS + 5)
    before = await session.scalar(select(func.count()).select_from(BusinessDay))
    await run.apply(Ask(0, 60))  # the whole programme's totals and the period: too many days missing to store
    assert await session.scalar(select(func.count()).select_from(BusinessDay)) == before
    await run.apply(Ask(2, 10))  # the period's days stored; then few enough are missing before it: stored too
    last = clock.business_day(run.programme, run.now) - timedelta(days=2)
    stored = set(await session.scalars(select(BusinessDay.day)))
    assert max(stored) == last
    assert len(stored) == (last - min(stored)).days + 1 > READ_THROUGH_DAYS


class TestStoredDays:
    async def test_buyers_pack_into_a_bitmap_and_back(self) -> None:
        ids = [1, 7, 8, 999_999, 64]
        bits = unpack(pack(sum(1 << n for n in ids)))
        assert bits.bit_count() == len(ids)
        assert [n for n in range(1_000_000) if bits >> n & 1] == sorted(ids)
        assert unpack(pack(0)) == 0

    async def test_a_summer_night_years_ago_is_counted_in_its_own_day(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        berlin = programme.model_copy(update={"timezone": "Europe/Berlin"})  # +2 in summer, +1 in winter
        sold = datetime(2022, 7, 9, 22, 30, tzinfo=UTC)  # 00:30 on 10 July in Berlin
        member = await new_member(session, berlin, 820_101, now=sold - timedelta(hours=1))
        await sale(session, berlin, member, "100", now=sold)
        async with step(session):
            await count_closed_days(session, berlin, datetime(2026, 1, 15, tzinfo=UTC), checkpoint=session.commit)
        buyers = dict((await session.execute(select(BusinessDay.day, BusinessDay.buyers))).all())
        assert (buyers[date(2022, 7, 9)], buyers[date(2022, 7, 10)]) == (0, 1)

    async def test_the_nightly_count_stores_closed_days_not_today(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 820_001, now=NOW - timedelta(days=3))
        await sale(session, programme, member, "100", now=NOW - timedelta(days=2))
        await sale(session, programme, member, "50", now=NOW)
        async with step(session):
            counted = await count_closed_days(session, programme, NOW, checkpoint=session.commit)
        today = clock.business_day(programme, NOW)
        stored = dict((await session.execute(select(BusinessDay.day, BusinessDay.buyers))).all())
        assert counted == 3
        assert stored == {today - timedelta(days=n): int(n == 2) for n in (3, 2, 1)}
        async with step(session):
            assert await count_closed_days(session, programme, NOW, checkpoint=session.commit) == 0
        async with step(session):
            tomorrow = NOW + timedelta(days=1)
            assert await count_closed_days(session, programme, tomorrow, checkpoint=session.commit) == 1
        assert await session.scalar(select(func.count()).select_from(BusinessDay)) == 4
