"""Member settings: the once-a-year birthday rule, interests from the programme's categories, languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import BirthdayLocked, BirthdayOutOfRange, InvalidChoice
from models.core.programme import Programme
from models.members import preferences
from models.members.registry import Member
from tests.models.till import new_member
from tests.support.units import step

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class TestBirthday:
    async def test_first_birthday_is_stored(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 101)
        async with step(session):
            assert await preferences.set_birthday(session, programme, member_id, date(1990, 5, 17), NOW)
        assert (await session.get_one(Member, member_id)).birthday == date(1990, 5, 17)

    async def test_a_change_within_a_year_is_refused_with_the_date_it_is_allowed(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 101)
        async with step(session):
            await preferences.set_birthday(session, programme, member_id, date(1990, 5, 17), NOW)
        later = NOW + timedelta(days=200)
        with pytest.raises(BirthdayLocked) as refused:
            async with step(session):
                await preferences.set_birthday(session, programme, member_id, date(1990, 11, 24), later)
        assert refused.value.details == {"date": date(2027, 11, 23)}
        assert (await session.get_one(Member, member_id, populate_existing=True)).birthday == date(1990, 5, 17)

    async def test_a_change_after_a_year_is_allowed(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 101)
        async with step(session):
            await preferences.set_birthday(session, programme, member_id, date(1990, 5, 17), NOW)
        later = NOW + preferences.BIRTHDAY_CHANGE_EVERY
        async with step(session):
            assert await preferences.set_birthday(session, programme, member_id, date(1990, 5, 18), later)

    async def test_saving_the_same_birthday_again_changes_nothing(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 101)
        async with step(session):
            await preferences.set_birthday(session, programme, member_id, date(1990, 5, 17), NOW)
        assert not await preferences.set_birthday(session, programme, member_id, date(1990, 5, 17), NOW)

    @pytest.mark.parametrize("day", [date(2026, 11, 24), date(1900, 1, 1)])
    async def test_impossible_birthdays_are_refused(
        self, session: AsyncSession, programme: Programme, day: date
    ) -> None:
        member_id = await new_member(session, programme, 101)
        with pytest.raises(BirthdayOutOfRange):
            async with step(session):
                await preferences.set_birthday(session, programme, member_id, day, NOW)

    async def test_settings_show_when_the_birthday_may_change_again(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        member_id = await new_member(session, programme, 101)
        assert (await preferences.preferences(session, programme, member_id, NOW)).birthday_locked_until is None
        async with step(session):
            await preferences.set_birthday(session, programme, member_id, date(1990, 5, 17), NOW)
        prefs = await preferences.preferences(session, programme, member_id, NOW)
        assert prefs.birthday_locked_until == date(2027, 11, 23)


class TestInterestsAndLanguage:
    async def test_toggling_an_interest_adds_then_removes_it(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 101)
        async with step(session):
            assert await preferences.toggle_interest(session, programme, member_id, "tea")
        assert await preferences.interests(session, member_id) == {"tea"}
        assert not await preferences.toggle_interest(session, programme, member_id, "tea")
        assert await preferences.interests(session, member_id) == set()

    async def test_unknown_category_or_language_is_refused(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 101)
        with pytest.raises(InvalidChoice):
            async with step(session):
                await preferences.toggle_interest(session, programme, member_id, "caviar")
        with pytest.raises(InvalidChoice):
            async with step(session):
                await preferences.set_language(session, member_id, "de")

    async def test_language_change_is_reported(self, session: AsyncSession, programme: Programme) -> None:
        member_id = await new_member(session, programme, 101)
        async with step(session):
            assert await preferences.set_language(session, member_id, "ru")
        assert not await preferences.set_language(session, member_id, "ru")
