"""What staff and members see of the ledger: the value card, the paged history, "this wasn't me" flags."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import MemberForgotten, UnknownEntry, UnknownMember
from models.core.programme import Programme
from models.members.numbers import shown
from models.members.registry import Member
from models.points.flags import flag_entry, recent_flags
from models.points.history import history
from models.team.audit import AuditEvent
from models.till.refunds import refund
from models.till.value_card import value_card
from tests.models.till import CARDS, CASHIER, NOW, OWNER, new_member, sale
from tests.support.units import step


class TestValueCard:
    async def test_cashier_sees_a_masked_phone_and_the_last_five_purchases(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        await session.execute(update(Member).where(Member.id == member).values(phone="+79001234567"))
        await session.commit()
        for number in range(6):
            await sale(session, programme, member, f"{100 * (number + 1)}", receipt=f"R{number}", category="tea")
        async with step(session):
            await refund(session, programme, OWNER, receipt="R5", now=NOW)
        card = await value_card(session, programme, CARDS, CASHIER, member="+7 900 123 45 67", now=NOW)
        assert card.phone == "+7 *** ***-45-67"
        assert (card.balance, card.tier.name, card.purchases, card.lifetime_spend_cents) == (175, "bronze", 5, 150_000)
        assert [line.receipt for line in card.last_purchases] == ["R5", "R4", "R3", "R2", "R1"]
        assert card.last_purchases[0].refunded
        owner_view = await value_card(session, programme, CARDS, OWNER, member=shown(member), now=NOW)
        assert owner_view.phone == "+79001234567"
        looked = list(await session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "member.view")))
        assert looked == [CASHIER.telegram_id, OWNER.telegram_id]

    async def test_unknown_and_forgotten_members_are_refused(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        with pytest.raises(UnknownMember):
            await value_card(session, programme, CARDS, CASHIER, member=shown(4242), now=NOW)
        await session.execute(update(Member).where(Member.id == member).values(forgotten_at=NOW))
        await session.commit()
        with pytest.raises(MemberForgotten):
            await value_card(session, programme, CARDS, CASHIER, member=shown(member), now=NOW)


class TestHistory:
    async def test_pages_newest_first_and_clamps(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        for number in range(9):
            await sale(session, programme, member, "100", receipt=f"R{number}")
        first = await history(session, member, 0, size=4)
        assert (first.page, first.pages) == (0, 3)
        assert [line.reason for line in first.lines] == ["#R8", "#R7", "#R6", "#R5"]
        last = await history(session, member, 99, size=4)
        assert (last.page, [line.kind for line in last.lines]) == (2, ["sale", "welcome"])


class TestFlags:
    async def test_member_flags_own_entry_once_and_owners_see_it(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member = await new_member(session, programme, 1)
        other = await new_member(session, programme, 2)
        done = await sale(session, programme, member, "1000", actor=CASHIER)
        entry = done.notices[0].posted.entry_id
        async with step(session):
            assert await flag_entry(session, member_id=member, entry_id=entry, now=NOW)
        assert not await flag_entry(session, member_id=member, entry_id=entry, now=NOW)
        with pytest.raises(UnknownEntry):
            async with step(session):
                await flag_entry(session, member_id=other, entry_id=entry, now=NOW)
        flags = await recent_flags(session)
        assert [(f.member_id, f.amount, f.kind, f.actor_id) for f in flags] == [
            (member, 50, "sale", CASHIER.telegram_id)
        ]
