"""Manual adjustments: admins and owners only, a reason always, announced with it, the daily limit, the audit trail,
and never below zero."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import outbox
from models.core.errors import (
    AdjustmentBelowZero,
    AdjustmentNeedsAdmin,
    AdjustmentNeedsReason,
    BadAdjustment,
    LimitExceeded,
    OwnMembership,
)
from models.core.outbox import OutboxMessage
from models.core.programme import Programme
from models.members.numbers import shown
from models.members.registry import Member
from models.points.ledger import LedgerEntry
from models.team.audit import AuditEvent
from models.team.staff import Actor, Role
from models.till.adjustments import Adjustment, adjust
from tests.models.till import CARDS, CASHIER, NOW, OWNER, appoint, new_member
from tests.support.units import step

ADMIN = Actor(700201, Role.ADMIN)


async def adjusted(
    session: AsyncSession,
    programme: Programme,
    member: int,
    change: str,
    reason: str = "coffee spilt",
    *,
    actor: Actor = OWNER,
    source: str = "msg:1:1",
) -> Adjustment:
    async with step(session):
        return await adjust(
            session,
            programme,
            CARDS,
            actor,
            member=shown(member),
            change=change,
            reason=reason,
            source=source,
            now=NOW,
        )


async def balance(session: AsyncSession, member: int) -> int:
    value = await session.scalar(select(Member.balance).where(Member.id == member))
    await session.rollback()
    return int(value or 0)


class TestAdjusting:
    async def test_points_added_are_announced_with_the_reason_and_audited(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        done = await adjusted(session, programme, member, "+50", "  coffee   spilt ")
        assert (done.created, done.points, done.reason, done.balance) == (True, 50, "coffee spilt", 150)
        entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "adjust"))
        assert entry is not None
        assert (entry.amount, entry.reason, entry.actor_id) == (
            50,
            "coffee spilt",
            OWNER.telegram_id,
        )
        told = await session.scalar(
            select(OutboxMessage.payload).where(OutboxMessage.kind == outbox.ENTRY).order_by(OutboxMessage.id.desc())
        )
        assert told is not None
        assert (told["kind"], told["amount"], told["reason"]) == ("adjust", 50, "coffee spilt")
        line = await session.scalar(select(AuditEvent).where(AuditEvent.action == "adjust"))
        assert line is not None
        assert (line.member_id, line.detail) == (member, "points=+50")

    async def test_points_taken_away_come_from_the_balance(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        done = await adjusted(session, programme, member, "-30", "double welcome", actor=ADMIN)
        assert (done.points, done.balance) == (-30, 70)
        assert await balance(session, member) == 70

    async def test_a_replay_adjusts_once(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        await adjusted(session, programme, member, "+50")
        again = await adjusted(session, programme, member, "+50")
        assert not again.created
        assert await balance(session, member) == 150


class TestRefusals:
    async def test_below_zero_is_refused_with_the_balance(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        with pytest.raises(AdjustmentBelowZero) as refused:
            await adjusted(session, programme, member, "-101")
        assert refused.value.details == {"balance": 100, "asked": 101}
        assert await balance(session, member) == 100

    @pytest.mark.parametrize("reason", ["", "   ", "x" * 121])
    async def test_a_reason_is_required(self, session: AsyncSession, programme: Programme, reason: str) -> None:
        member = await new_member(session, programme, 1)
        with pytest.raises(AdjustmentNeedsReason):
            await adjusted(session, programme, member, "+5", reason)
        assert await balance(session, member) == 100

    @pytest.mark.parametrize("change", ["50", "+0", "-0", "+5.5", "++5", "+1234567890", "five"])
    async def test_the_change_needs_a_sign_and_a_whole_number(
        self, session: AsyncSession, programme: Programme, change: str
    ) -> None:
        member = await new_member(session, programme, 1)
        with pytest.raises(BadAdjustment):
            await adjusted(session, programme, member, change)

    async def test_cashiers_cannot_adjust(self, session: AsyncSession, programme: Programme) -> None:
        await appoint(session, programme)
        member = await new_member(session, programme, 1)
        with pytest.raises(AdjustmentNeedsAdmin):
            await adjusted(session, programme, member, "+5", actor=CASHIER)
        assert await balance(session, member) == 100

    async def test_not_on_ones_own_membership(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, ADMIN.telegram_id)
        with pytest.raises(OwnMembership):
            await adjusted(session, programme, member, "+5", actor=ADMIN)


class TestDailyLimit:
    async def test_admins_adjust_up_to_the_limit_a_day_owners_without(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        limited = programme.model_copy(
            update={"staff": programme.staff.model_copy(update={"adjust_points_per_day": 100})}
        )
        member = await new_member(session, limited, 1)
        await adjusted(session, limited, member, "+60", actor=ADMIN, source="msg:1:1")
        await adjusted(session, limited, member, "-30", actor=ADMIN, source="msg:1:2")  # taken away counts too
        with pytest.raises(LimitExceeded) as refused:
            await adjusted(session, limited, member, "+11", actor=ADMIN, source="msg:1:3")
        assert refused.value.details == {"limit": "adjust_points_per_day", "allowed": 100, "used": 90, "asked": 11}
        assert await balance(session, member) == 130
        breach = await session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "limit.breach"))
        assert breach is not None
        assert "adjust_points_per_day" in breach
        await adjusted(session, limited, member, "+500", source="msg:1:4")  # the owner
        assert await balance(session, member) == 630
