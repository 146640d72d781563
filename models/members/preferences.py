"""A member's own settings: language, interests and birthday, with the guard that keeps birthday gifts honest.

The birthday may be set freely the first time; after that it may change at most once every `BIRTHDAY_CHANGE_EVERY`
(each change is kept in `birthday_changes`), so nobody can move their birthday around the calendar to collect
birthday gifts. The gift itself should still be paid once per member and year (its ledger key says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base
from models.core.clock import business_day
from models.core.errors import BirthdayLocked, BirthdayOutOfRange, InvalidChoice
from models.core.programme import LANGUAGES, Programme
from models.core.uow import writing
from models.members.registry import Member, lock_member

BIRTHDAY_CHANGE_EVERY = timedelta(days=365)
OLDEST_AGE_YEARS = 120


class MemberInterest(Base):
    """A category the member said they like (from the programme's categories), as opposed to what they buy."""

    __tablename__ = "member_interests"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)


class BirthdayChange(Base):
    """When the member set their birthday: what the once-a-year rule counts."""

    __tablename__ = "birthday_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    at: Mapped[datetime]


@dataclass(frozen=True)
class Preferences:
    """What the settings screen shows."""

    language: str
    marketing: bool
    birthday: date | None
    birthday_locked_until: date | None
    interests: frozenset[str]


async def _last_birthday_change(session: AsyncSession, member_id: int) -> datetime | None:
    return await session.scalar(select(func.max(BirthdayChange.at)).where(BirthdayChange.member_id == member_id))


async def _locked_until(session: AsyncSession, member: Member, now: datetime) -> datetime | None:
    """When the birthday may change again, or None if it may change now."""
    if member.birthday is None:
        return None
    last = await _last_birthday_change(session, member.id)
    if last is None or now - last >= BIRTHDAY_CHANGE_EVERY:
        return None
    return last + BIRTHDAY_CHANGE_EVERY


async def interests(session: AsyncSession, member_id: int) -> frozenset[str]:
    rows = await session.scalars(select(MemberInterest.category).where(MemberInterest.member_id == member_id))
    return frozenset(rows)


async def preferences(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> Preferences:
    member = await session.get_one(Member, member_id)
    locked = await _locked_until(session, member, now)
    return Preferences(
        language=member.language,
        marketing=member.marketing_consent,
        birthday=member.birthday,
        birthday_locked_until=None if locked is None else business_day(programme, locked),
        interests=await interests(session, member_id),
    )


async def set_language(session: AsyncSession, member_id: int, language: str) -> bool:
    """Switch the bot's language for the member; returns whether it changed."""
    await writing(session)
    if language not in LANGUAGES:
        raise InvalidChoice()
    member = await session.get_one(Member, member_id)
    changed = member.language != language
    member.language = language
    return changed


async def toggle_interest(session: AsyncSession, programme: Programme, member_id: int, category: str) -> bool:
    """Add the category to the member's interests or take it away; returns whether it is now an interest."""
    await writing(session)
    if category not in programme.categories:
        raise InvalidChoice()
    await lock_member(session, member_id)  # two quick taps must not both insert
    existing = await session.get(MemberInterest, (member_id, category))
    if existing is None:
        session.add(MemberInterest(member_id=member_id, category=category))
    else:
        await session.delete(existing)
    return existing is None


def check_birthday(programme: Programme, birthday: date, now: datetime) -> date:
    """A birthday that could be true: not in the future and not older than anyone alive."""
    today = business_day(programme, now)
    if birthday > today or birthday.year < today.year - OLDEST_AGE_YEARS:
        raise BirthdayOutOfRange(example="31.12.1990")
    return birthday


async def set_birthday(
    session: AsyncSession, programme: Programme, member_id: int, birthday: date, now: datetime
) -> bool:
    """Store the birthday under the once-a-year rule; returns whether it changed."""
    await writing(session)
    check_birthday(programme, birthday, now)
    member = await lock_member(session, member_id)
    if member.birthday == birthday:
        return False
    locked = await _locked_until(session, member, now)
    if locked is not None:
        raise BirthdayLocked(date=business_day(programme, locked))
    member.birthday = birthday
    session.add(BirthdayChange(member_id=member_id, at=now))
    return True
