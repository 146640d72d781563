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


def dashed(digits: str) -> str:
    """Digits written the way member numbers are: the last one after a dash."""
    return f"{digits[:-1]}-{digits[-1]}"


def swaps(typed: str) -> list[str]:
    """Every different number made by swapping two neighbouring digits (the dash stays before the last digit)."""
    digits = typed.replace("-", "")
    swapped = (digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :] for i in range(len(digits) - 1))
    return [dashed(number) for number in swapped if number != digits]


class TestCheckDigit:
    def test_the_check_digit_is_damms(self) -> None:
        assert shown(572) == "572-4"  # the worked example of the Damm algorithm

    @pytest.mark.parametrize("member_id", [*range(1, 200), 21, 98_765_432])
    def test_every_single_slip_is_caught(self, member_id: int) -> None:
        typed = shown(member_id)
        assert read(typed) == member_id
        digits = typed.replace("-", "")
        wrong_digit = [
            dashed(digits[:i] + d + digits[i + 1 :]) for i in range(len(digits)) for d in "0123456789" if d != digits[i]
        ]
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
        for slip in swaps(meant):  # among them "12-0", member 12 with member 21's check digit
            with pytest.raises(MemberNumberMistyped):
                await lookup.member_id(session, slip, CARDS, NOW)

    async def test_a_number_without_its_check_digit_is_refused(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        members = [await new_member(session, programme, telegram_id) for telegram_id in range(1, 22)]
        for member in members:
            with pytest.raises(MemberNumberMistyped):
                await lookup.member_id(session, str(member), CARDS, NOW)

    async def test_a_bare_number_never_passes_for_another_members(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        """Member 21 is 21-0; typed without the dash, 210 would be member 21 or, bare, member 210's id: refused."""
        for telegram_id in range(1, 22):
            await new_member(session, programme, telegram_id)
        assert shown(21) == "21-0"
        for typed in ["210", "21", "21 -0", "21- 0", "21 - 0", "21--0", "-210", "21-", "21-00"]:
            with pytest.raises(MemberNumberMistyped):
                await lookup.member_id(session, typed, CARDS, NOW)

    async def test_phones_and_card_codes_still_name_members(self, session: AsyncSession, programme: Programme) -> None:
        member = await new_member(session, programme, 1)
        await session.execute(update(Member).where(Member.id == member).values(phone="+79001234567"))
        assert await lookup.member_id(session, "8 900 123-45-67", CARDS, NOW) == member
        assert await lookup.member_id(session, "+7 900 123-45-67", CARDS, NOW) == member
        assert await lookup.member_id(session, CARDS.issue(member, NOW), CARDS, NOW) == member
