"""Members who joined before the test: how they joined is not what such a test checks (tests/models/test_enrolment.py
and the enrolment journeys do that)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.core.programme import Programme
from models.membership.enrolment import enrol


async def enrol_member(
    session: AsyncSession,
    programme: Programme,
    telegram_id: int,
    *,
    now: datetime,
    first_name: str = "Anna",
    language: str = "en",
    ref: str | None = None,
) -> int:
    """Enrol a member as /start and the terms would, inside the caller's unit of work (not committed); their id."""
    joined = await enrol(
        session,
        programme,
        telegram_id=telegram_id,
        first_name=first_name,
        username=None,
        language=language,
        referral_code=ref,
        now=now,
    )
    return joined.member.id
