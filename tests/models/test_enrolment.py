"""Joining the programme: consent recorded, welcome bonus once, referrals resolved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import NotYourContact
from models.core.programme import Programme
from models.members.registry import ConsentEvent, Member, save_own_phone, set_marketing_consent
from models.membership.enrolment import Enrolment, enrol
from models.points import ledger
from tests.support.units import step

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def join(session: AsyncSession, programme: Programme, telegram_id: int, ref: str | None = None) -> Enrolment:
    async with step(session):
        return await enrol(
            session,
            programme,
            telegram_id=telegram_id,
            first_name="Anna",
            username=None,
            language="en",
            referral_code=ref,
            now=NOW,
        )


class TestEnrol:
    async def test_new_member_gets_welcome_bonus_and_consent_record(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        joined = await join(session, programme, 101)
        assert joined.created
        assert joined.member.balance == programme.bonuses.welcome
        consent = (await session.scalars(select(ConsentEvent))).one()
        assert (consent.purpose, consent.granted, consent.version) == ("terms", True, programme.consent_version)
        assert consent.at == NOW

    async def test_joining_twice_pays_the_bonus_once(self, session: AsyncSession, programme: Programme) -> None:
        first = await join(session, programme, 101)
        second = await join(session, programme, 101)
        assert not second.created
        assert second.member.id == first.member.id
        assert await ledger.entries_sum(session, first.member.id) == programme.bonuses.welcome

    async def test_referral_code_records_the_inviter(self, session: AsyncSession, programme: Programme) -> None:
        inviter = await join(session, programme, 101)
        invited = await join(session, programme, 102, ref=inviter.member.referral_code)
        assert invited.invited_by == inviter.member.id

    async def test_unknown_referral_code_joins_without_inviter(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        invited = await join(session, programme, 102, ref="nosuchcode")
        assert invited.created
        assert invited.invited_by is None


class TestContactAndMarketing:
    async def test_only_own_contact_is_saved(self, session: AsyncSession, programme: Programme) -> None:
        member = (await join(session, programme, 101)).member
        with pytest.raises(NotYourContact):
            async with step(session):
                await save_own_phone(session, member.id, sender_id=101, contact_user_id=555, phone="+7 900 000-00-00")
        assert (await session.get_one(Member, member.id)).phone is None
        async with step(session):
            saved = await save_own_phone(
                session, member.id, sender_id=101, contact_user_id=101, phone="7 900 111-22-33"
            )
        assert saved == "+79001112233"

    async def test_marketing_consent_is_recorded_with_time(self, session: AsyncSession, programme: Programme) -> None:
        member = (await join(session, programme, 101)).member
        async with step(session):
            await set_marketing_consent(session, programme, member.id, granted=True, now=NOW)
        stored = await session.get_one(Member, member.id)
        assert stored.marketing_consent
        assert stored.marketing_consent_at == NOW
        purposes = (await session.scalars(select(ConsentEvent.purpose).order_by(ConsentEvent.id))).all()
        assert purposes == ["terms", "marketing"]
