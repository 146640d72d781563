"""Automated campaigns from the programme file: birthday greetings, points about to expire, win-back.

Each automation makes at most one campaign per business day (its key), and its audience is a query
like a segment's, so it is frozen and delivered exactly like a campaign a manager wrote.
"""

from __future__ import annotations

import calendar
import html
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, exists, extract, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.segments import audience
from models.campaigns.planning import recorded, store_once
from models.campaigns.records import (
    Campaign,
    CampaignKind,
    CampaignRecipient,
    CampaignStatus,
    CampaignView,
    RecipientStatus,
)
from models.core.clock import business_day
from models.core.programme import LANGUAGES, Automation, Programme
from models.core.uow import writing
from models.members.registry import Member
from models.points.ledger import LedgerEntry, has_points_left

# A member who was sent a win-back is not sent another one for this many days (on top of the effect window).
WIN_BACK_REST_DAYS = 30
# What counts as "was sent" when deciding whether a member already got an automation.
REACHED = (RecipientStatus.SENDING, RecipientStatus.SENT, RecipientStatus.UNKNOWN)


def automation_key(kind: str, day: date) -> str:
    return f"{kind}:{day.isoformat()}"


async def todays_campaign(
    session: AsyncSession, programme: Programme, automation: Automation, now: datetime
) -> CampaignView:
    """The automation's campaign for today's business day, created on the first call."""
    await writing(session)
    key = automation_key(automation.kind, business_day(programme, now))
    if (existing := await recorded(session, key)) is not None:
        return existing
    row = Campaign(
        kind=automation.kind,
        segment=automation.kind,
        text=html.escape(automation.text.en),
        localized={language: html.escape(automation.text.in_(language)) for language in LANGUAGES},
        photo=None,
        offer=automation.offer,
        holdout_percent=0,
        send_at=now,
        status=CampaignStatus.SCHEDULED,
        created_by=None,
        created_at=now,
        key=key,
    )
    view = await store_once(session, row) or await recorded(session, key)
    assert view is not None
    return view


def _current_members() -> Select[int]:
    return select(Member.id).where(Member.forgotten_at.is_(None), Member.telegram_id.is_not(None))


def _not_sent_recently(kind: CampaignKind, since: datetime) -> Select[int]:
    """Members with no message of this automation since `since`."""
    earlier = (
        exists()
        .where(CampaignRecipient.member_id == Member.id, CampaignRecipient.status.in_(REACHED))
        .where(Campaign.id == CampaignRecipient.campaign_id, Campaign.kind == kind, Campaign.send_at >= since)
    )
    return _current_members().where(~earlier)


def _birthdays(day: date) -> Select[int]:
    """Members whose birthday is `day`; those born on 29 February celebrate on the 28th in other years."""
    on_day = and_(extract("month", Member.birthday) == day.month, extract("day", Member.birthday) == day.day)
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        on_day = or_(on_day, and_(extract("month", Member.birthday) == 2, extract("day", Member.birthday) == 29))
    return _current_members().where(Member.birthday.is_not(None), on_day)


def _expiring(programme: Programme, at: datetime) -> Select[int]:
    """Members with points left in a lot that expires within the reminder window, not reminded in that window."""
    window = timedelta(days=programme.expiry.remind_days_before)
    lot_expiring = exists().where(
        LedgerEntry.member_id == Member.id,
        has_points_left(),
        LedgerEntry.expires_at > at,
        LedgerEntry.expires_at <= at + window,
    )
    return _not_sent_recently(CampaignKind.EXPIRING_POINTS, at - window).where(lot_expiring)


def _win_back(programme: Programme, at: datetime) -> Select[int]:
    """At-risk members who were not sent a win-back recently."""
    rest = timedelta(days=programme.marketing.effect_days + WIN_BACK_REST_DAYS)
    at_risk = audience(programme, "at_risk").with_only_columns(Member.id).order_by(None).scalar_subquery()
    return _not_sent_recently(CampaignKind.WIN_BACK, at - rest).where(Member.id.in_(at_risk))


def campaign_audience(programme: Programme, campaign: CampaignView) -> Select[int]:
    """Member ids the campaign is meant for (before consent is checked), ordered by id so it can be paged."""
    at = campaign.send_at
    match campaign.kind:
        case CampaignKind.MANUAL:
            return audience(programme, campaign.segment)
        case CampaignKind.BIRTHDAY:
            query = _birthdays(business_day(programme, at))
        case CampaignKind.EXPIRING_POINTS:
            query = _expiring(programme, at)
        case CampaignKind.WIN_BACK:
            query = _win_back(programme, at)
        case _:
            raise ValueError(f"unknown campaign kind {campaign.kind!r}")
    return query.order_by(Member.id)
