"""Member numbers carry a check digit: a mistyped number is refused instead of naming another member."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import MemberNumberMistyped
from models.core.programme import Programme
from models.members import lookup
from models.members.numbers import read, shown
from models.members.registry import Member
from tests.models.till import CARDS, NOW, new_member


def swaps(typed: str) -> list[str]:
    """Every different number made by swapping two neighbouring digits."""
    swapped = (typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :] for i in range(len(typed) - 1))
    return [number for number in swapped if number != typed]


class TestCheckDigit:
    def test_the_check_digit_is_damms(self) -> None:
        assert shown(572) == "5724"  # the worked example of the Damm algorithm

    @pytest.mark.parametrize("member_id", [*range(1, 200), 21, 98_765_432])
    def test_every_single_slip_is_caught(self, member_id: int) -> None:
        typed = shown(member_id)
        assert read(typed) == member_id
        wrong_digit = [typed[:i] + d + typed[i + 1 :] for i in range(len(typed)) for d in "0123456789" if d != typed[i]]
        for slip in [*swaps(typed), *wrong_digit]:
            with pytest.raises(MemberNumberMistyped):
                read(slip)


class TestLookup:
    async def test_swapped_digits_do_not_reach_the_other_member(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        for telegram_id in range(1, 22):
            await new_member(session, programme, telegram_id)
        meant = shown(21)
        assert await lookup.member_id(session, meant, CARDS, NOW) == 21
        for slip in swaps(meant):  # among them "12" with member 21's check digit
            with pytest.raises(MemberNumberMistyped):
                await lookup.member_id(session, slip, CARDS, NOW)

    async def test_a_number_without_its_check_digit_is_refused(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        members = [await new_member(session, programme, telegram_id) for telegram_id in range(1, 22)]
        # One bare number in ten is some other number with its check digit (2 is shown as 21): digits cannot tell.
        numbers = {shown(member) for member in members}
        bare = [str(member) for member in members if str(member) not in numbers]
        assert len(bare) > 15
        for typed in bare:
            with pytest.raises(MemberNumberMistyped):
                await lookup.member_id(session, typed, CARDS, NOW)

    async def test_phones_and_card_codes_still_name_members(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        await session.execute(update(Member).where(Member.id == member).values(phone="+79001234567"))
        assert await lookup.member_id(session, "8 900 123-45-67", CARDS, NOW) == member
        assert await lookup.member_id(session, CARDS.issue(member, NOW), CARDS, NOW) == member
