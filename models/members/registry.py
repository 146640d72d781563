"""Members: enrolment with recorded consent, the welcome bonus, referrals, contact details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.core.base import Base
from models.core.errors import MemberForgotten, NotYourContact, UnknownMember
from models.core.programme import LANGUAGES, Programme
from models.core.uow import writing
from models.members import numbers

TERMS, MARKETING = "terms", "marketing"  # what a member consents to


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_nonnegative"),
        # The few erased members, counted by the dashboard without reading every member.
        Index(
            "ix_members_forgotten_at",
            "forgotten_at",
            postgresql_where=text("forgotten_at IS NOT NULL"),
            sqlite_where=text("forgotten_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str | None] = mapped_column(String(128), index=True)  # the console's search by name
    username: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(2))
    referral_code: Mapped[str] = mapped_column(String(16), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    joined_at: Mapped[datetime] = mapped_column(index=True)  # the dashboard's members per week
    consent_version: Mapped[str] = mapped_column(String(16))
    consent_at: Mapped[datetime]
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consent_at: Mapped[datetime | None]
    birthday: Mapped[date | None]
    balance: Mapped[int] = mapped_column(default=0)
    tier: Mapped[str] = mapped_column(String(32))
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    forgotten_at: Mapped[datetime | None]


class ConsentEvent(Base):
    """Every consent given or withdrawn, with its time: the record a regulator asks for."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # TERMS or MARKETING
    version: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]


def consent_event(programme: Programme, member_id: int, purpose: str, *, granted: bool, at: datetime) -> ConsentEvent:
    """A consent given or withdrawn, always recorded against the version of the terms now in force."""
    return ConsentEvent(member_id=member_id, purpose=purpose, version=programme.consent_version, granted=granted, at=at)


@dataclass(frozen=True)
class MemberView:
    """What the interface may know of a member, detached from any session."""

    id: int
    telegram_id: int | None
    first_name: str | None
    language: str
    balance: int
    tier: str
    referral_code: str
    marketing_consent: bool
    consent_version: str
    phone: str | None
    birthday: date | None
    reachable: bool = True  # False after Telegram said the member blocked the bot

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(
            member.id,
            member.telegram_id,
            member.first_name,
            member.language,
            member.balance,
            member.tier,
            member.referral_code,
            member.marketing_consent,
            member.consent_version,
            member.phone,
            member.birthday,
            member.reachable,
        )


def pick_language(telegram_language: str | None) -> str:
    """Russian for Russian-speaking users, English for everyone else."""
    code = (telegram_language or "").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


async def lock_member(
    session: AsyncSession, member_id: int, ref: str | None = None, *, even_forgotten: bool = False
) -> Member:
    """Load the member for a change, holding their row (FOR UPDATE on PostgreSQL; SQLite's write lock is held).

    UnknownMember names `ref` (what staff typed) if given; a forgotten member is refused unless `even_forgotten`.
    """
    query = select(Member).where(Member.id == member_id).with_for_update().execution_options(populate_existing=True)
    member = await session.scalar(query)
    if member is None:
        raise UnknownMember(member=ref or numbers.shown(member_id))
    if member.forgotten_at is not None and not even_forgotten:
        raise MemberForgotten()
    return member


async def by_telegram_id(session: AsyncSession, telegram_id: int) -> MemberView | None:
    member = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
    return None if member is None else MemberView.of(member)


async def set_reachable(session: AsyncSession, member_id: int, *, reachable: bool) -> None:
    """Record whether the member can be messaged: a 403 says not; any update from them, or a message that reached
    them, says they can again."""
    await writing(session)
    await session.execute(
        update(Member).where(Member.id == member_id, Member.reachable.is_not(reachable)).values(reachable=reachable)
    )


async def set_marketing_consent(
    session: AsyncSession, programme: Programme, member_id: int, *, granted: bool, now: datetime
) -> bool:
    """Record the member's answer on marketing; returns whether it changed."""
    await writing(session)
    member = await session.get_one(Member, member_id)
    changed = member.marketing_consent != granted or member.marketing_consent_at is None
    if changed:
        member.marketing_consent = granted
        member.marketing_consent_at = now
        session.add(consent_event(programme, member_id, MARKETING, granted=granted, at=now))
    return changed


def mask_phone(phone: str | None) -> str | None:
    """What a cashier may see of a phone: `+7 *** ***-12-34`."""
    if not phone:
        return None
    digits = phone.lstrip("+")
    return f"+{digits[:-10] or digits[:1]} *** ***-{digits[-4:-2]}-{digits[-2:]}"


def normalise_phone(raw: str) -> str:
    digits = "".join(ch for ch in raw if ch.isdecimal())
    return f"+{digits}"


async def save_own_phone(
    session: AsyncSession, member_id: int, *, sender_id: int, contact_user_id: int | None, phone: str
) -> str:
    """Store the phone of a shared contact, which must be the member's own."""
    await writing(session)
    if contact_user_id != sender_id:
        raise NotYourContact()
    member = await session.get_one(Member, member_id)
    member.phone = normalise_phone(phone)
    return member.phone
