"""Many tills at once on one member: every write is serialised on the member, nothing lost, nothing negative.

Runs on whichever database the suite runs on: a real SQLite file (one writer at a time, BEGIN IMMEDIATE) and
PostgreSQL (the member's row held with SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models.core.errors import InsufficientPoints, LimitExceeded
from models.core.programme import Programme
from models.members.numbers import shown
from models.members.registry import Member, lock_member
from models.points.check import verify
from models.points.ledger import LedgerEntry
from models.team import staff
from models.till.limits import StaffDay
from models.till.redemption import redeem_points
from models.till.sales import SaleResult
from tests.models.till import CARDS, CASHIER, NOW, OWNER, new_member, sale
from tests.support.units import step

EARNS = 100
REDEEMS = 100
SALE_AMOUNT = "60"  # 3 points at bronze; a hundred of them stay below silver
SALE_POINTS = 3
REDEEM_POINTS = 7  # a hundred of these would overdraw: some must be refused


async def _earn(sessionmaker: async_sessionmaker[AsyncSession], programme: Programme, member: int, n: int) -> int:
    async with sessionmaker() as session:
        result: SaleResult = await sale(session, programme, member, SALE_AMOUNT, source=f"msg:1:{10_000 + n}")
        return result.points


async def _redeem(sessionmaker: async_sessionmaker[AsyncSession], programme: Programme, member: int, n: int) -> int:
    async with sessionmaker() as session:
        try:
            async with step(session):
                done = await redeem_points(
                    session,
                    programme,
                    CARDS,
                    OWNER,
                    member=shown(member),
                    points=str(REDEEM_POINTS),
                    source=f"msg:1:{n}",
                    now=NOW,
                )
        except InsufficientPoints:
            return 0
        return -done.points


async def test_200_concurrent_tills_on_one_member_lose_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, programme: Programme
) -> None:
    member = await new_member(session, programme, 1)
    start = programme.bonuses.welcome
    work = [_earn(sessionmaker, programme, member, n) for n in range(EARNS)]
    work += [_redeem(sessionmaker, programme, member, n) for n in range(REDEEMS)]
    # Interleave earns and redemptions so that both kinds are in flight together.
    interleaved = [job for pair in zip(work[:EARNS], work[EARNS:], strict=True) for job in pair]
    moves = await asyncio.gather(*interleaved)
    redeemed = sum(1 for move in moves if move < 0)
    expected = start + EARNS * SALE_POINTS - redeemed * REDEEM_POINTS
    assert all(move in (SALE_POINTS, 0, -REDEEM_POINTS) for move in moves)
    assert 0 < redeemed < REDEEMS
    stored = await session.scalar(select(Member.balance).where(Member.id == member))
    entries = await session.scalar(select(func.count()).where(LedgerEntry.member_id == member))
    assert stored == expected >= 0
    assert entries == 1 + EARNS + redeemed
    assert (await verify(session)).ok


async def test_a_second_writer_waits_for_the_member_lock(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, programme: Programme
) -> None:
    member = await new_member(session, programme, 1)
    lock_sql = str(select(Member).where(Member.id == member).with_for_update().compile(dialect=engine.dialect)).upper()
    if engine.dialect.name == "postgresql":
        assert "FOR UPDATE" in lock_sql
    async with sessionmaker() as holder:
        await lock_member(holder, member)
        waiting = asyncio.create_task(_redeem(sessionmaker, programme, member, 1))
        await asyncio.sleep(0.5)
        assert not waiting.done(), "a second writer got in while the member was locked"
        await holder.commit()
    assert await asyncio.wait_for(waiting, 10) == -REDEEM_POINTS


DAILY_LIMIT = 1_000
ACTIONS = 50  # half sales of 1000 (50 points each), half redemptions of 50 points: 2500 points asked for


async def _cashier_acts(
    sessionmaker: async_sessionmaker[AsyncSession], programme: Programme, member: int, n: int
) -> int:
    """One action of the cashier on its own member (so that no member lock orders them): the points it moved."""
    async with sessionmaker() as session:
        try:
            if n % 2:
                done = await redeem_points(
                    session, programme, CARDS, CASHIER, member=shown(member), points="50", source=f"m:{n}", now=NOW
                )
                moved = done.points
            else:
                moved = (await sale(session, programme, member, "1000", actor=CASHIER, source=f"m:{n}")).points
        except LimitExceeded:
            return 0
        await session.commit()
        return moved


async def test_a_cashiers_daily_limit_holds_under_50_concurrent_actions(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, programme: Programme
) -> None:
    await staff.appoint(
        session,
        programme,
        owner=OWNER,
        owners=frozenset({OWNER.telegram_id}),
        user_id=CASHIER.telegram_id,
        role="cashier",
        max_sale=None,
        points_per_day=str(DAILY_LIMIT),
        now=NOW,
    )
    members = [await new_member(session, programme, telegram_id) for telegram_id in range(1, ACTIONS + 1)]
    await session.commit()
    moved = await asyncio.gather(*(_cashier_acts(sessionmaker, programme, m, n) for n, m in enumerate(members)))
    entries = await session.scalar(
        select(func.coalesce(func.sum(func.abs(LedgerEntry.amount)), 0)).where(
            LedgerEntry.actor_id == CASHIER.telegram_id
        )
    )
    counted = await session.scalar(select(StaffDay.points).where(StaffDay.staff_id == CASHIER.telegram_id))
    assert sum(moved) == entries == counted
    assert DAILY_LIMIT - 50 < sum(moved) <= DAILY_LIMIT
