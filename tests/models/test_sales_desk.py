"""Group commit: sales handed in together share a transaction, yet each caller gets its own outcome, durably."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.core.errors import BadAmount, DomainError, UnknownMember
from models.core.programme import Programme
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.members.registry import Member
from models.points.check import verify
from models.points.purchases import Purchase
from models.till import desk as desk_module
from models.till import sales
from models.till.desk import SalesDesk
from models.till.sales import SaleRequest, SaleResult
from tests.models.till import CARDS, NOW, OWNER, new_member


def desk_for(sessionmaker: async_sessionmaker[AsyncSession], programme: Programme) -> SalesDesk:
    return SalesDesk(sessionmaker, lambda: programme, CARDS, clock=lambda: NOW)


async def settle_all(desk: SalesDesk, requests: list[SaleRequest]) -> list[SaleResult | BaseException]:
    return await asyncio.gather(*(desk.record(request) for request in requests), return_exceptions=True)


class TestSalesDesk:
    async def test_each_caller_gets_its_own_outcome(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, programme: Programme
    ) -> None:
        anna, boris = await new_member(session, programme, 1), await new_member(session, programme, 2)
        desk = desk_for(sessionmaker, programme)
        outcomes = await settle_all(
            desk,
            [
                SaleRequest(OWNER, shown(anna), "1000", receipt="A1"),
                SaleRequest(OWNER, shown(boris), "abc", source="msg:1:1"),
                SaleRequest(OWNER, shown(anna), "1000", receipt="A1"),
                SaleRequest(OWNER, shown(999), "100", source="msg:1:2"),
                SaleRequest(OWNER, shown(boris), "200", receipt="B1"),
            ],
        )
        first, bad, again, nobody, other = outcomes
        assert isinstance(first, SaleResult)
        assert (first.created, first.balance) == (True, 150)
        assert isinstance(bad, BadAmount)
        assert isinstance(again, SaleResult)
        assert (again.created, again.points) == (False, 50)
        assert isinstance(nobody, UnknownMember)
        assert isinstance(other, SaleResult)
        assert (other.created, other.balance) == (True, 110)
        await desk.close()
        assert await session.scalar(select(func.count()).select_from(Purchase)) == 2
        assert (await verify(session)).ok

    async def test_a_caller_that_gives_up_does_not_stop_the_batch(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, programme: Programme
    ) -> None:
        anna = await new_member(session, programme, 1)
        desk = desk_for(sessionmaker, programme)
        impatient = asyncio.create_task(desk.record(SaleRequest(OWNER, shown(anna), "1000", receipt="A1")))
        patient = asyncio.create_task(desk.record(SaleRequest(OWNER, shown(anna), "200", receipt="A2")))
        await asyncio.sleep(0)  # both handed in, the batch about to be written
        impatient.cancel()
        assert (await asyncio.wait_for(patient, 10)).balance == 160
        with pytest.raises(asyncio.CancelledError):
            await impatient
        await desk.close()
        assert await session.scalar(select(Member.balance).where(Member.id == anna)) == 160
        assert (await verify(session)).ok

    async def test_many_sales_of_one_member_in_a_batch_add_up(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        desk = desk_for(sessionmaker, programme)
        requests = [SaleRequest(OWNER, shown(member), "100", source=f"msg:1:{n}") for n in range(60)]
        outcomes = await settle_all(desk, requests)
        assert all(isinstance(outcome, SaleResult) and outcome.created for outcome in outcomes)
        balances = sorted(outcome.balance for outcome in outcomes if isinstance(outcome, SaleResult))
        assert balances == list(range(105, 105 + 5 * 60, 5))
        assert await session.scalar(select(Member.balance).where(Member.id == member)) == 100 + 5 * 60

    async def test_a_failed_batch_is_written_sale_by_sale(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        session: AsyncSession,
        programme: Programme,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        member = await new_member(session, programme, 1)
        real = sales.record_sales
        failures = iter([True])

        async def flaky(
            session: AsyncSession,
            programme: Programme,
            cards: CardSigner,
            requests: Sequence[SaleRequest],
            now: datetime,
        ) -> list[SaleResult | DomainError]:
            if next(failures, False):
                raise ConnectionError("connection lost mid-batch")
            return await real(session, programme, cards, requests, now)

        monkeypatch.setattr(desk_module, "record_sales", flaky)
        desk = desk_for(sessionmaker, programme)
        outcomes = await settle_all(
            desk, [SaleRequest(OWNER, shown(member), "100", source=f"msg:1:{n}") for n in range(3)]
        )
        assert all(isinstance(outcome, SaleResult) and outcome.created for outcome in outcomes)
        assert await session.scalar(select(Member.balance).where(Member.id == member)) == 115

    async def test_inviter_and_newcomer_buying_together_are_both_paid_once(
        self, sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, programme: Programme
    ) -> None:
        inviter = await new_member(session, programme, 1)
        code = (await session.get_one(Member, inviter)).referral_code
        newcomer = await new_member(session, programme, 2, ref=code)
        desk = desk_for(sessionmaker, programme)
        outcomes = await settle_all(
            desk,
            [
                SaleRequest(OWNER, shown(newcomer), "300", source="msg:1:1"),  # the referral's minimum purchase
                SaleRequest(OWNER, shown(inviter), "100", source="msg:1:2"),
                SaleRequest(OWNER, shown(newcomer), "100", source="msg:1:3"),
            ],
        )
        assert all(isinstance(outcome, SaleResult) for outcome in outcomes)
        bonuses = programme.bonuses
        balances = dict((await session.execute(select(Member.id, Member.balance))).all())
        assert balances == {
            inviter: 100 + bonuses.referral_inviter + 5,
            newcomer: 100 + bonuses.referral_invitee + 15 + 5,
        }
        assert (await verify(session)).ok
