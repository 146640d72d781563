"""Shared steps for the ledger and till tests: members, staff and sales with sensible defaults.

Each step commits what it did, as the unit of work of the update behind it would (a sale's refusal too: the desk
commits a refused sale's audit line with the batch, as `record_sale` asks of its caller).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.core.programme import Programme
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.team import staff
from models.team.staff import Actor, Role
from models.till.sales import SaleResult, record_sale
from tests.support.members import enrol_member
from tests.support.units import step

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CARDS = CardSigner(b"test-secret")
OWNER = Actor(900001, Role.OWNER)
CASHIER = Actor(700001, Role.CASHIER)


async def new_member(
    session: AsyncSession, programme: Programme, telegram_id: int, *, ref: str | None = None, now: datetime = NOW
) -> int:
    """A member who pressed /start and agreed to the terms (one update, committed)."""
    async with step(session):
        return await enrol_member(session, programme, telegram_id, ref=ref, now=now)


async def appoint(
    session: AsyncSession,
    programme: Programme,
    actor: Actor = CASHIER,
    *,
    branch: str | None = None,
    points_per_day: str | None = None,
) -> staff.StaffView:
    """Make `actor` the staff member they act as (a cashier's limits come with their staff row), at `branch`."""
    async with step(session):
        return await staff.appoint(
            session,
            programme,
            owner=OWNER,
            owners=frozenset({OWNER.telegram_id}),
            user_id=actor.telegram_id,
            role=actor.role.value,
            max_sale=None,
            points_per_day=points_per_day,
            now=NOW,
            branch=branch,
        )


async def sale(
    session: AsyncSession,
    programme: Programme,
    member: int | str,  # a member id, or what staff typed
    amount: str,
    *,
    receipt: str | None = None,
    category: str | None = None,
    actor: Actor = OWNER,
    source: str = "msg:1:1",
    now: datetime = NOW,
    quantity: str | None = None,
    pay: int = 0,
) -> SaleResult:
    try:
        return await record_sale(
            session,
            programme,
            CARDS,
            actor,
            member=shown(member) if isinstance(member, int) else member,
            amount=amount,
            category=category,
            receipt=receipt,
            source=source,
            now=now,
            quantity=quantity,
            pay_points=pay,
        )
    finally:
        await session.commit()
