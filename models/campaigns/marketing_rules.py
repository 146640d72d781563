"""The marketing rules a campaign's delivery keeps: quiet hours and the frequency cap hold a member's message back
(`not_before`), and a member who withdrew consent, declined new terms, blocked the bot or left is skipped, with why.
The queue (`models.campaigns.queue`) applies them at each claim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from models.campaigns.automations import REACHED
from models.campaigns.records import CampaignRecipient, RecipientStatus
from models.core.programme import Marketing, Programme
from models.members.registry import Member


def _local_end(local: datetime, end: time, *, next_day: bool) -> datetime:
    day = local.date() + timedelta(days=1 if next_day else 0)
    return datetime.combine(day, end, tzinfo=local.tzinfo)


def quiet_until(marketing: Marketing, timezone: str, now: datetime) -> datetime | None:
    """When the current quiet hours end (in UTC), or None if campaign messages may go now."""
    quiet = marketing.quiet_hours
    if quiet is None or quiet.start == quiet.end:
        return None
    local = now.astimezone(ZoneInfo(timezone))
    moment = local.time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        inside, next_day = quiet.start <= moment < quiet.end, False
    else:  # the quiet hours span midnight, like 21:00-09:00
        inside, next_day = moment >= quiet.start or moment < quiet.end, moment >= quiet.start
    return _local_end(local, quiet.end, next_day=next_day).astimezone(now.tzinfo) if inside else None


async def held_by_cap(
    session: AsyncSession, marketing: Marketing, member_ids: Sequence[int], now: datetime
) -> dict[int, datetime]:
    """Members who already had the most messages the frequency cap allows, and when they may have the next."""
    cap = marketing.frequency_cap
    if cap is None or not member_ids:
        return {}
    window = timedelta(days=cap.days)
    rows = await session.execute(
        select(CampaignRecipient.member_id, func.min(CampaignRecipient.claimed_at))
        .where(
            CampaignRecipient.member_id.in_(member_ids),
            CampaignRecipient.claimed_at >= now - window,
            CampaignRecipient.status.in_(REACHED),
        )
        .group_by(CampaignRecipient.member_id)
        .having(func.count() >= cap.messages)
    )
    return {member_id: oldest + window for member_id, oldest in rows if oldest is not None}


def _skip_reason(programme: Programme, consent: bool, terms: str, reachable: bool, left: bool) -> str | None:
    """Why a member may no longer be messaged (the reasons behind `may_be_marketed`), or None."""
    if left:
        return "left the programme"
    if not consent:
        return "withdrew marketing consent"
    if terms != programme.consent_version:
        return "has not accepted the current terms"
    if not reachable:
        return "blocked the bot"
    return None


async def skip_refused(session: AsyncSession, programme: Programme, row_ids: Sequence[int]) -> None:
    """Mark the rows, among those not claimed, whose member may no longer be messaged as skipped, with why."""
    rows = await session.execute(
        select(
            CampaignRecipient.id,
            Member.marketing_consent,
            Member.consent_version,
            Member.reachable,
            or_(Member.forgotten_at.is_not(None), Member.telegram_id.is_(None)),
        )
        .join(Member, Member.id == CampaignRecipient.member_id)
        .where(CampaignRecipient.id.in_(row_ids), CampaignRecipient.status == RecipientStatus.PENDING)
    )
    by_reason: dict[str, list[int]] = {}
    for row_id, consent, terms, reachable, left in rows:
        if (reason := _skip_reason(programme, consent, terms, reachable, left)) is not None:
            by_reason.setdefault(reason, []).append(row_id)
    for reason, ids in by_reason.items():
        await session.execute(
            sql_update(CampaignRecipient)
            .where(CampaignRecipient.id.in_(ids), CampaignRecipient.status == RecipientStatus.PENDING)
            .values(status=RecipientStatus.SKIPPED, error=reason)
        )
