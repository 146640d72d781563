"""Finding a member the way staff name them: a member number, a phone number, or the code from a scanned card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.errors import UnknownMember
from models.members import numbers
from models.members.cards import CardSigner
from models.members.registry import Member


def phone_form(ref: str) -> str | None:
    """The stored form (`+79001234567`) of a typed phone number, or None if `ref` is not one."""
    digits = "".join(ch for ch in ref if ch.isdecimal())
    if not all(ch.isdecimal() or ch in "+-() " for ch in ref) or len(digits) <= numbers.ID_DIGITS + 1:
        return None
    if len(digits) == 11 and digits.startswith("8") and not ref.startswith("+"):
        digits = "7" + digits[1:]  # the Russian trunk prefix: 8 900 ... is +7 900 ...
    return f"+{digits}"


async def member_id(session: AsyncSession, ref: str, cards: CardSigner, now: datetime) -> int:
    """The member `ref` names; raises UnknownMember (or the card's own error) when it names nobody, and
    MemberNumberMistyped for a member number whose check digit does not match."""
    ref = ref.strip()
    if CardSigner.looks_like_token(ref):
        found: int | None = cards.verify(ref, now)
    elif numbers.looks_like(ref):
        found = numbers.read(ref)
    elif (phone := phone_form(ref)) is not None:
        found = await session.scalar(
            select(Member.id).where(Member.phone == phone, Member.forgotten_at.is_(None)).order_by(Member.id.desc())
        )
    else:
        found = None
    if found is None:
        raise UnknownMember(member=ref)
    return found
