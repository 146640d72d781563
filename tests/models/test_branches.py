"""Branches: staff appointed to a programme branch, each sale, redemption and refund recording it, cashiers' limits
and day being their branch's, figures per branch; a programme without branches records none."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.stats import BranchFigures, branch_figures
from models.core.errors import BranchNeeded, LimitExceeded, UnknownBranch
from models.core.programme import Branch, Programme
from models.members.numbers import shown
from models.points.ledger import LedgerEntry
from models.points.purchases import Purchase
from models.team import staff
from models.team.audit import AuditEvent
from models.team.branches import day_at
from models.team.staff import Actor, Limits, Role
from models.till.limits import StaffDay
from models.till.redemption import redeem_points
from models.till.refunds import refund
from tests.models.till import CARDS, NOW, OWNER, appoint, new_member, sale
from tests.support.units import step

CENTRE = Actor(700101, Role.CASHIER)
AIRPORT = Actor(700102, Role.CASHIER)


@pytest.fixture
def chain(programme: Programme) -> Programme:
    """The sample programme with two branches; the airport keeps its own clock and a smaller daily limit."""
    branches = [
        Branch(id="centre", name="Centre"),
        Branch(id="airport", name="Airport", timezone="Asia/Vladivostok", points_per_day=60),
    ]
    return programme.model_copy(update={"branches": branches})


class TestAppointing:
    async def test_cashier_is_appointed_to_a_branch_typed_in_any_case(
        self, session: AsyncSession, chain: Programme
    ) -> None:
        person = await appoint(session, chain, CENTRE, branch="Centre")
        assert person.branch == "centre"
        assert await session.scalar(select(staff.StaffMember.branch)) == "centre"

    async def test_unknown_branch_is_refused_listing_the_branches(
        self, session: AsyncSession, chain: Programme
    ) -> None:
        with pytest.raises(UnknownBranch) as refused:
            await appoint(session, chain, CENTRE, branch="harbour")
        assert refused.value.details == {"given": "harbour", "branches": "centre, airport"}
        assert await session.scalar(select(staff.StaffMember)) is None

    async def test_a_cashier_needs_a_branch_where_there_are_branches_an_admin_does_not(
        self, session: AsyncSession, chain: Programme
    ) -> None:
        with pytest.raises(BranchNeeded):
            await appoint(
                session,
                chain,
                CENTRE,
            )
        admin = await appoint(
            session,
            chain,
            Actor(700103, Role.ADMIN),
        )
        assert admin.branch is None

    async def test_a_programme_without_branches_knows_none(self, session: AsyncSession, programme: Programme) -> None:
        assert (
            await appoint(
                session,
                programme,
                CENTRE,
            )
        ).branch is None
        with pytest.raises(UnknownBranch) as refused:
            await appoint(session, programme, CENTRE, branch="centre")
        assert refused.value.details["branches"] == "-"


class TestRecording:
    async def test_sale_redemption_and_refund_record_the_cashiers_branch(
        self, session: AsyncSession, chain: Programme
    ) -> None:
        await appoint(session, chain, CENTRE, branch="centre")
        member = await new_member(session, chain, 1)
        await sale(session, chain, member, "1000", receipt="C-1", actor=CENTRE)
        async with step(session):
            await redeem_points(
                session, chain, CARDS, CENTRE, member=shown(member), points="20", source="msg:7:1", now=NOW
            )
        async with step(session):
            await refund(session, chain, CENTRE, receipt="C-1", now=NOW)
        assert await session.scalar(select(Purchase.branch)) == "centre"
        kinds = dict((await session.execute(select(LedgerEntry.kind, LedgerEntry.branch))).all())
        assert kinds == {"welcome": None, "sale": "centre", "redeem": "centre", "refund": "centre"}
        actions = (await session.execute(select(AuditEvent.action, AuditEvent.branch))).all()
        assert ("sale", "centre") in actions
        assert ("redeem", "centre") in actions
        assert ("refund", "centre") in actions

    async def test_without_branches_nothing_records_one(self, session: AsyncSession, programme: Programme) -> None:
        await appoint(
            session,
            programme,
            CENTRE,
        )
        member = await new_member(session, programme, 1)
        await sale(session, programme, member, "1000", actor=CENTRE)
        assert await session.scalar(select(Purchase.branch)) is None
        assert set(await session.scalars(select(LedgerEntry.branch))) == {None}

    async def test_figures_per_branch(self, session: AsyncSession, chain: Programme) -> None:
        await appoint(session, chain, CENTRE, branch="centre")
        await appoint(session, chain, AIRPORT, branch="airport")
        member = await new_member(session, chain, 1)
        await sale(session, chain, member, "1000", actor=CENTRE, source="msg:1:1")
        await sale(session, chain, member, "300", actor=CENTRE, source="msg:1:2")
        await sale(session, chain, member, "200", actor=AIRPORT, source="msg:1:3")
        await sale(session, chain, member, "500", actor=OWNER, source="msg:1:4")
        figures = await branch_figures(session, NOW)
        assert figures == [
            BranchFigures("airport", 1, 20_000, 10, 0),
            BranchFigures("centre", 2, 130_000, 65, 0),
            BranchFigures(None, 1, 50_000, 25, 0),
        ]


class TestLimits:
    async def test_a_branch_sets_its_cashiers_limits_unless_their_own_are_set(
        self, session: AsyncSession, chain: Programme
    ) -> None:
        assert (await appoint(session, chain, AIRPORT, branch="airport")).limits == Limits(2_000_000, 60)
        assert (await appoint(session, chain, CENTRE, branch="centre")).limits == Limits(2_000_000, 5000)
        own = await appoint(session, chain, AIRPORT, branch="airport", points_per_day="80")
        assert own.limits == Limits(2_000_000, 80)

    async def test_the_daily_limit_counts_the_branch_s_own_day(self, session: AsyncSession, chain: Programme) -> None:
        await appoint(session, chain, AIRPORT, branch="airport")
        member = await new_member(session, chain, 1)
        late = NOW.replace(hour=14)  # midnight has passed in Vladivostok (UTC+10), not in Moscow
        assert day_at(chain, "airport", late) == day_at(chain, None, late) + timedelta(days=1)
        await sale(session, chain, member, "1000", actor=AIRPORT, source="msg:1:1", now=late - timedelta(hours=1))
        await sale(session, chain, member, "1000", actor=AIRPORT, source="msg:1:2", now=late)
        days = (await session.execute(select(StaffDay.day, StaffDay.points).order_by(StaffDay.day))).all()
        assert [points for _, points in days] == [50, 50]
        assert days[1][0] == day_at(chain, "airport", late)
        with pytest.raises(LimitExceeded) as refused:
            await sale(session, chain, member, "500", actor=AIRPORT, source="msg:1:3", now=late)
        assert refused.value.details == {"limit": "points_per_day", "allowed": 60, "used": 50, "asked": 25}


class TestProgrammeBranches:
    def test_branch_ids_are_unique(self, programme: Programme) -> None:
        twice = [Branch(id="centre", name="A").model_dump(), Branch(id="centre", name="B").model_dump()]
        with pytest.raises(ValueError, match="branch ids must be unique"):
            Programme.model_validate(programme.model_dump() | {"branches": twice})

    def test_a_branch_zone_must_exist(self) -> None:
        with pytest.raises(ValueError, match="unknown time zone"):
            Branch(id="centre", name="Centre", timezone="Europe/Atlantis")

    def test_branch_limits_are_positive(self) -> None:
        with pytest.raises(ValueError, match="greater than 0"):
            Branch(id="centre", name="Centre", max_sale=Decimal(0))
