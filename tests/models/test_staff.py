"""Staff: owners appoint and dismiss cashiers and admins with limits, every step audited; owners stay in settings."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import BadAmount, BadStaffRole, NotStaff, OwnerFromSettings
from models.core.programme import Programme
from models.team import staff
from models.team.audit import AuditEvent
from models.team.staff import Limits, Role, role_of
from tests.models.till import NOW, OWNER
from tests.support.units import step

OWNERS = frozenset({OWNER.telegram_id})


async def appoint(
    session: AsyncSession,
    programme: Programme,
    user_id: int,
    role: str,
    max_sale: str | None = None,
    points_per_day: str | None = None,
) -> staff.StaffView:
    async with step(session):
        return await staff.appoint(
            session,
            programme,
            owner=OWNER,
            owners=OWNERS,
            user_id=user_id,
            role=role,
            max_sale=max_sale,
            points_per_day=points_per_day,
            now=NOW,
        )


class TestAppointments:
    async def test_cashier_gets_programme_limits_unless_given_own(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        default = await appoint(session, programme, 11, "cashier")
        assert default.limits == Limits(2_000_000, 5000)
        own = await appoint(session, programme, 12, "Cashier", max_sale="5000", points_per_day="800")
        assert own.limits == Limits(500_000, 800)
        admin = await appoint(session, programme, 13, "admin")
        assert admin.limits == Limits(None, None)
        assert await role_of(session, 12, OWNERS) is Role.CASHIER

    async def test_changing_a_role_keeps_one_row(self, session: AsyncSession, programme: Programme) -> None:
        await appoint(session, programme, 11, "cashier")
        await appoint(session, programme, 11, "admin")
        assert await role_of(session, 11, OWNERS) is Role.ADMIN
        people = await staff.everyone(session, programme, OWNERS)
        assert [(p.telegram_id, p.role) for p in people] == [(OWNER.telegram_id, Role.OWNER), (11, Role.ADMIN)]

    async def test_dismissal_is_audited_and_needs_the_right_role(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await appoint(session, programme, 11, "cashier")
        with pytest.raises(NotStaff):
            async with step(session):
                await staff.dismiss(session, owner=OWNER, owners=OWNERS, user_id=11, role="admin", now=NOW)
        async with step(session):
            await staff.dismiss(session, owner=OWNER, owners=OWNERS, user_id=11, role="cashier", now=NOW)
        assert await role_of(session, 11, OWNERS) is None
        trail = (await session.execute(select(AuditEvent.action, AuditEvent.subject).order_by(AuditEvent.id))).all()
        assert [tuple(row) for row in trail] == [("staff.add", "11"), ("staff.remove", "11")]

    @pytest.mark.parametrize(
        ("user_id", "role", "max_sale", "refusal"),
        [
            (OWNER.telegram_id, "cashier", None, OwnerFromSettings),
            (11, "owner", None, OwnerFromSettings),
            (11, "boss", None, BadStaffRole),
            (11, "cashier", "lots", BadAmount),
        ],
    )
    async def test_refusals_change_nothing(
        self,
        session: AsyncSession,
        programme: Programme,
        user_id: int,
        role: str,
        max_sale: str | None,
        refusal: type[Exception],
    ) -> None:
        with pytest.raises(refusal):
            await appoint(session, programme, user_id, role, max_sale=max_sale)
        assert await role_of(session, 11, OWNERS) is None
        assert await session.scalar(select(AuditEvent.id)) is None
