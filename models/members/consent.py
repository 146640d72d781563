"""Renewing consent: when the programme's consent text gets a new version, each member agrees again (or not)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.programme import Programme
from models.core.uow import writing
from models.members.registry import TERMS, ConsentEvent, MemberView, consent_event, lock_member


def is_outdated(programme: Programme, member: MemberView) -> bool:
    """Whether the member agreed to an older version of the terms than the one in force."""
    return member.consent_version != programme.consent_version


async def accept_terms(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> bool:
    """Record agreement to the current terms; returns False if the member had agreed already."""
    await writing(session)
    member = await lock_member(session, member_id)
    if member.consent_version == programme.consent_version:
        return False
    member.consent_version = programme.consent_version
    member.consent_at = now
    session.add(consent_event(programme, member_id, TERMS, granted=True, at=now))
    return True


async def refuse_terms(session: AsyncSession, programme: Programme, member_id: int, now: datetime) -> None:
    """Record that the member declined the current terms, once per version."""
    await writing(session)
    await lock_member(session, member_id)
    refused = await session.scalar(
        select(ConsentEvent.id).where(
            ConsentEvent.member_id == member_id,
            ConsentEvent.purpose == TERMS,
            ConsentEvent.version == programme.consent_version,
            ConsentEvent.granted.is_(False),
        )
    )
    if refused is None:
        session.add(consent_event(programme, member_id, TERMS, granted=False, at=now))
