"""Personal data: the export covers every table that holds a member's rows; erasure leaves an anonymous ledger."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models.core.base import Base
from models.core.errors import DomainError, MemberForgotten
from models.core.programme import Programme
from models.members import erasures, preferences
from models.members.numbers import shown
from models.members.registry import ConsentEvent, Member, save_own_phone, set_marketing_consent
from models.membership import privacy
from models.membership.enrolment import enrol
from models.offers import coupons
from models.points import check
from models.points.ledger import LedgerEntry
from tests.dbstate import find_values
from tests.models.till import CARDS, CASHIER, OWNER, new_member, sale
from tests.support.units import step

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TELEGRAM_ID = 424242


async def rich_member(session: AsyncSession, programme: Programme) -> int:
    """A member with every kind of personal data: name, phone, birthday, interests, purchases, consents."""
    member_id = await new_member(session, programme, TELEGRAM_ID)
    member = await session.get_one(Member, member_id)
    member.first_name, member.username = "Zinaida", "zina_private"
    await session.commit()
    async with step(session):
        await save_own_phone(
            session, member_id, sender_id=TELEGRAM_ID, contact_user_id=TELEGRAM_ID, phone="+79165554321"
        )
    async with step(session):
        await set_marketing_consent(session, programme, member_id, granted=True, now=NOW)
    async with step(session):
        await preferences.set_birthday(session, programme, member_id, date(1991, 5, 17), NOW)
    async with step(session):
        await preferences.toggle_interest(session, programme, member_id, "coffee")
    await sale(session, programme, member_id, "1500", receipt="R-77", category="coffee", actor=CASHIER)
    return member_id


class TestExport:
    def test_every_table_with_member_rows_is_in_the_registry(self) -> None:
        covered = {rows.table for rows in privacy.PERSONAL_DATA.values()}
        holding = {
            table.name
            for table in Base.metadata.sorted_tables
            if any(fk.column.table.name == "members" for fk in table.foreign_keys)
        }
        assert holding - covered == set(), "add these tables to models.membership.privacy.PERSONAL_DATA"

    async def test_export_has_profile_consents_ledger_purchases_and_settings(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await rich_member(session, programme)
        document = await privacy.export(session, programme, member_id, NOW)
        assert document["member_number"] == shown(member_id)
        assert document["profile"]["phone"] == "+79165554321"
        assert document["profile"]["birthday"] == "1991-05-17"
        assert [c["purpose"] for c in document["consents"]] == ["terms", "marketing"]
        assert [e["kind"] for e in document["ledger"]] == ["welcome", "sale"]
        assert [p["receipt"] for p in document["purchases"]] == ["R-77"]
        assert [i["category"] for i in document["interests"]] == ["coffee"]
        assert len(document["birthday_changes"]) == 1

    async def test_export_has_the_stamps_of_the_members_own_sales_only(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await rich_member(session, programme)
        other = await new_member(session, programme, TELEGRAM_ID + 1)
        await sale(session, programme, other, "900", receipt="R-78", category="coffee", actor=CASHIER)
        document = await privacy.export(session, programme, member_id, NOW)
        assert [(entry["sale_key"], entry["card"], entry["stamps"]) for entry in document["stamps"]] == [
            ("sale:R-77", "coffee", 1)
        ]
        assert [(card["card"], card["stamps"]) for card in document["stamp_cards"]] == [("coffee", 1)]

    async def test_export_does_not_reveal_which_staff_member_acted(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await rich_member(session, programme)
        document = await privacy.export(session, programme, member_id, NOW)
        assert str(CASHIER.telegram_id) not in str(document)


class TestForget:
    async def test_forget_erases_every_personal_value(
        self, session: AsyncSession, engine: AsyncEngine, programme: Programme
    ) -> None:
        member_id = await rich_member(session, programme)
        async with step(session):
            await privacy.forget(session, programme, member_id, NOW)
        needles: list[str | int | date] = ["Zinaida", "zina_private", "9165554321", TELEGRAM_ID, date(1991, 5, 17)]
        assert await find_values(engine, needles) == []
        member = await session.get_one(Member, member_id, populate_existing=True)
        assert (member.forgotten_at, member.marketing_consent, member.telegram_id) == (NOW, False, None)

    async def test_points_are_written_off_and_the_ledger_still_adds_up(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await rich_member(session, programme)
        points = (await session.get_one(Member, member_id)).balance
        async with step(session):
            forgotten = await privacy.forget(session, programme, member_id, NOW)
        assert forgotten.forfeited_points == points > 0
        entries = list(await session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == member_id)))
        assert [(e.kind, e.amount) for e in entries][-1] == ("forfeit", -points)
        assert sum(e.amount for e in entries) == 0
        assert (await check.verify(session)).ok

    async def test_open_coupons_die_with_the_data_and_give_nothing_back_later(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, TELEGRAM_ID)
        await sale(session, programme, member_id, "2000")  # enough points for the coupon
        offer = next(o for o in programme.offers if o.points_mode == "reserve" and o.points_cost > 0)
        async with step(session):
            issued = await coupons.issue_coupon(session, programme, member_id, offer.id, NOW, key="test-coupon")
        async with step(session):
            await privacy.forget(session, programme, member_id, NOW)
        with pytest.raises(DomainError):
            async with step(session):
                await coupons.redeem_coupon(session, programme, CARDS, OWNER, issued.coupon.code, now=NOW)
        async with step(session):  # the nightly job, committing as it goes
            later = NOW + timedelta(days=400)
            assert await coupons.release_expired(session, programme, later, checkpoint=session.commit) == 0
        assert (await session.get_one(Member, member_id, populate_existing=True)).balance == 0
        assert (await check.verify(session)).ok

    async def test_consents_are_withdrawn_on_the_record(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await rich_member(session, programme)
        async with step(session):
            await privacy.forget(session, programme, member_id, NOW)
        events = await session.execute(
            select(ConsentEvent.purpose, ConsentEvent.granted).where(ConsentEvent.member_id == member_id)
        )
        assert list(events)[-2:] == [("terms", False), ("marketing", False)]

    async def test_forgetting_twice_is_refused(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, TELEGRAM_ID)
        async with step(session):
            await privacy.forget(session, programme, member_id, NOW)
        with pytest.raises(MemberForgotten):
            async with step(session):
                await privacy.forget(session, programme, member_id, NOW)

    async def test_the_same_person_joins_again_as_a_new_member(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        first = await new_member(session, programme, TELEGRAM_ID)
        async with step(session):
            await privacy.forget(session, programme, first, NOW)
        second = await new_member(session, programme, TELEGRAM_ID)
        assert second != first
        assert (await session.get_one(Member, second)).telegram_id == TELEGRAM_ID


class TestWelcomeBonusOncePerPerson:
    async def test_welcome_bonus_is_paid_once_per_person_even_after_forget(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        for _ in range(2):  # join, erase, join again: twice over
            member_id = await new_member(session, programme, TELEGRAM_ID)
            await privacy.forget(session, programme, member_id, NOW)
            await session.commit()
        again = await enrol(
            session,
            programme,
            telegram_id=TELEGRAM_ID,
            first_name="Zinaida",
            username=None,
            language="en",
            referral_code=None,
            now=NOW,
        )
        await session.commit()
        assert (again.created, again.welcome_points, again.member.balance) == (True, 0, 0)
        welcomes = await session.scalars(select(LedgerEntry.amount).where(LedgerEntry.kind == "welcome"))
        assert welcomes.all() == [programme.bonuses.welcome]
        assert (await new_member(session, programme, TELEGRAM_ID + 1)) > 0  # someone else still gets theirs
        assert await session.scalar(select(Member.balance).where(Member.telegram_id == TELEGRAM_ID + 1)) == 100

    async def test_erasure_keeps_only_a_keyed_hash_of_the_telegram_id(
        self, session: AsyncSession, programme: Programme, engine: AsyncEngine
    ) -> None:
        member_id = await new_member(session, programme, TELEGRAM_ID)
        await privacy.forget(session, programme, member_id, NOW)
        await session.commit()
        digests = (await session.scalars(select(erasures.ErasedTelegramId.digest))).all()
        assert len(digests) == 1
        assert digests[0] != hashlib.sha256(str(TELEGRAM_ID).encode()).digest()  # not a plain hash: keyed
        await session.rollback()
        assert await find_values(engine, [TELEGRAM_ID]) == []

    async def test_export_says_whether_a_hash_of_the_telegram_id_is_kept(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        first = await new_member(session, programme, TELEGRAM_ID)
        assert (await privacy.export(session, programme, first, NOW))["erased_before"] is False
        await privacy.forget(session, programme, first, NOW)
        second = await new_member(session, programme, TELEGRAM_ID)
        await session.commit()
        assert (await privacy.export(session, programme, second, NOW))["erased_before"] is True


class TestDatabaseErrors:
    async def test_a_database_error_does_not_carry_the_values_it_was_given(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, TELEGRAM_ID)
        session.add(
            ConsentEvent(id=1, member_id=member_id, purpose="marketing", version="Zinaida", granted=True, at=NOW)
        )
        with pytest.raises(IntegrityError) as failed:
            await session.commit()
        assert "Zinaida" not in str(failed.value)
