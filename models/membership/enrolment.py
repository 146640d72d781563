"""Joining the programme: consent recorded, a member number and referral code issued, the welcome bonus paid once
per person: not again to someone who erased their data and joins anew (`models.members.erasures`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core import clock
from models.core.programme import Programme
from models.core.uow import writing
from models.members import erasures
from models.members.registry import TERMS, Member, MemberView, consent_event
from models.points import ledger

REFERRAL_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Enrolment:
    member: MemberView
    created: bool
    welcome_points: int
    invited_by: int | None


async def _new_referral_code(session: AsyncSession) -> str:
    while True:
        code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))
        if await session.scalar(select(Member.id).where(Member.referral_code == code)) is None:
            return code


async def enrol(
    session: AsyncSession,
    programme: Programme,
    *,
    telegram_id: int,
    first_name: str | None,
    username: str | None,
    language: str,
    referral_code: str | None,
    now: datetime,
) -> Enrolment:
    """Make the user a member who agreed to the current terms, paying the welcome bonus once per person."""
    await writing(session)
    existing = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
    if existing is not None:
        return Enrolment(MemberView.of(existing), created=False, welcome_points=0, invited_by=None)
    inviter_id = None
    if referral_code:
        inviter_id = await session.scalar(
            select(Member.id).where(Member.referral_code == referral_code, Member.forgotten_at.is_(None))
        )
    member = Member(
        telegram_id=telegram_id,
        first_name=first_name,
        username=username,
        language=language,
        referral_code=await _new_referral_code(session),
        referred_by_id=inviter_id,
        joined_at=now,
        consent_version=programme.consent_version,
        consent_at=now,
        marketing_consent=False,
        tier=programme.tiers.levels[0].name,
    )
    session.add(member)
    await session.flush()
    session.add(consent_event(programme, member.id, TERMS, granted=True, at=now))
    welcome = 0 if await erasures.erased_before(session, telegram_id) else programme.bonuses.welcome
    if welcome:
        await ledger.credit(
            session,
            member_id=member.id,
            points=welcome,
            kind="welcome",
            reason="welcome",
            key=f"welcome:{member.id}",
            rule="bonuses.welcome",
            now=now,
            zone=clock.zone(programme),
            expires_at=programme.expiry.of_points_earned(now),
        )
    await session.refresh(member)
    view = MemberView.of(member)
    return Enrolment(view, created=True, welcome_points=welcome, invited_by=inviter_id)
