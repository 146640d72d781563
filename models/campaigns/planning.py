"""Planning campaigns: the checks a manager's draft passes, storing it once, cancelling it, and reading campaigns and
their progress. What a campaign and its recipients are stored as is `models.campaigns.records`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Select,
    and_,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.analytics.segments import audience, segment_names
from models.campaigns.records import (
    MAX_HOLDOUT_PERCENT,
    OPEN_STATUSES,
    Campaign,
    CampaignKind,
    CampaignRecipient,
    CampaignStatus,
    CampaignView,
    RecipientStatus,
)
from models.core import clock
from models.core.errors import (
    CampaignBadHoldout,
    CampaignNotCancellable,
    CampaignNotFound,
    CampaignTextEmpty,
    CampaignTextTooLong,
    CampaignTimeInPast,
    CampaignUnknownOffer,
    CampaignUnknownSegment,
)
from models.core.programme import Programme
from models.core.uow import writing
from models.members.registry import Member
from models.team import audit
from models.team.staff import Actor

PERSONAL = "personal"  # the offer value that gives each recipient their own best offer
# Visible characters a manager may write; the rest of Telegram's limit (4096, or 1024 under a photo) is kept
# for the offer and coupon lines added to each message.
TEXT_LIMIT = 3500
CAPTION_LIMIT = 700
# "now" typed a little while ago is still now; anything older is a mistake worth pointing out.
PAST_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class CampaignDraft:
    """What a manager asks for; `send_at` None means now."""

    segment: str
    text: str
    photo: str | None = None
    offer: str | None = None
    holdout_percent: int = 0
    send_at: datetime | None = None
    key: str | None = None  # makes creating it idempotent


@dataclass(frozen=True)
class Progress:
    """How many recipients are in each state; `audience` is all of them, held-out members included."""

    counts: dict[str, int]

    def __getitem__(self, status: RecipientStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def audience(self) -> int:
        return sum(self.counts.values())

    @property
    def resolved(self) -> int:
        """Recipients whose turn is over (not pending, not being sent)."""
        return self.audience - self[RecipientStatus.PENDING] - self[RecipientStatus.SENDING]


@dataclass(frozen=True)
class Cancelled:
    campaign: CampaignView
    not_reached: int  # recipients who were still waiting and now will not get it


@dataclass(frozen=True)
class CampaignSummary:
    campaign: CampaignView
    progress: Progress


def visible_length(html_text: str) -> int:
    """Characters a member sees in an HTML message (tags dropped, entities decoded)."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", html_text)))


def check_segment(programme: Programme, segment: str) -> str:
    names = segment_names(programme)
    if segment not in names:
        raise CampaignUnknownSegment(segment=segment, segments=", ".join(names))
    return segment


def check_text(text: str, photo: str | None) -> str:
    """The manager's HTML text, trimmed, if it is neither empty nor too long for one message."""
    length = visible_length(text)
    if length == 0 or not text.strip():
        raise CampaignTextEmpty()
    limit = CAPTION_LIMIT if photo else TEXT_LIMIT
    if length > limit:
        raise CampaignTextTooLong(limit=limit, length=length)
    return text.strip()


def check_offer(programme: Programme, offer: str | None) -> str | None:
    offers = [item.id for item in programme.offers]
    if offer is not None and offer != PERSONAL and offer not in offers:
        raise CampaignUnknownOffer(offer=offer, offers=", ".join([*offers, PERSONAL]))
    return offer


def check_holdout(percent: int) -> int:
    if not 0 <= percent <= MAX_HOLDOUT_PERCENT:
        raise CampaignBadHoldout(percent=percent, limit=MAX_HOLDOUT_PERCENT)
    return percent


def check_send_at(programme: Programme, send_at: datetime | None, now: datetime) -> datetime:
    """When to send (None means now); refuses a time already past."""
    when = send_at or now
    if when < now - PAST_TOLERANCE:
        raise CampaignTimeInPast(when=clock.local(programme, when).strftime("%Y-%m-%d %H:%M"))
    return max(when, now)


def may_be_marketed(programme: Programme) -> ColumnElement[bool]:
    """Who a campaign may reach now: a current member who agreed to marketing and to the terms in force (a member
    who has not accepted new terms gets nothing until they do), and who has not blocked the bot."""
    return and_(
        Member.forgotten_at.is_(None),
        Member.telegram_id.is_not(None),
        Member.marketing_consent.is_(True),
        Member.consent_version == programme.consent_version,
        Member.reachable.is_(True),
    )


def marketable(programme: Programme, query: Select[int]) -> Select[int]:
    """The members of `query` a campaign may reach (see `may_be_marketed`)."""
    return query.where(may_be_marketed(programme))


async def audience_sizes(
    session: AsyncSession, programme: Programme, segments: Sequence[str] | None = None
) -> dict[str, int]:
    """How many members each segment (by default every one, in the order of `segment_names`) would reach now."""
    sizes = {}
    for name in segments or segment_names(programme):
        members = marketable(programme, audience(programme, name)).order_by(None).subquery()
        sizes[name] = int(await session.scalar(select(func.count()).select_from(members)) or 0)
    return sizes


async def recorded(session: AsyncSession, key: str) -> CampaignView | None:
    """The campaign stored under a key, if any."""
    row = await session.scalar(select(Campaign).where(Campaign.key == key))
    return None if row is None else CampaignView.of(row)


async def store_once(session: AsyncSession, row: Campaign) -> CampaignView | None:
    """Flush a new campaign; None (and nothing written) when a concurrent request stored one with the same key
    first."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return CampaignView.of(row)


async def create_campaign(
    session: AsyncSession, programme: Programme, draft: CampaignDraft, actor: Actor, now: datetime
) -> CampaignView:
    """Record a manual campaign after checking every part of it, in the audit trail too.

    A draft with a key is stored once: confirming it again (a double tap) returns the campaign already made.
    """
    await writing(session)
    if draft.key is not None and (earlier := await recorded(session, draft.key)) is not None:
        return earlier
    row = Campaign(
        kind=CampaignKind.MANUAL,
        segment=check_segment(programme, draft.segment),
        text=check_text(draft.text, draft.photo),
        localized={},
        photo=draft.photo,
        offer=check_offer(programme, draft.offer),
        holdout_percent=check_holdout(draft.holdout_percent),
        send_at=check_send_at(programme, draft.send_at, now),
        status=CampaignStatus.SCHEDULED,
        created_by=actor.telegram_id,
        created_at=now,
        key=draft.key,
    )
    view = await store_once(session, row)
    if view is None:
        assert draft.key is not None
        earlier = await recorded(session, draft.key)
        assert earlier is not None
        return earlier
    detail = f"{view.segment}, {view.send_at.isoformat(timespec='minutes')}, holdout {view.holdout_percent}%"
    await audit.record(session, actor, "campaign-create", now=now, subject=f"campaign:{view.id}", detail=detail)
    return view


async def get_campaign(session: AsyncSession, campaign_id: int) -> CampaignView:
    row = await session.get(Campaign, campaign_id)
    if row is None:
        raise CampaignNotFound(campaign=campaign_id)
    return CampaignView.of(row)


async def cancel_campaign(session: AsyncSession, campaign_id: int, actor: Actor, now: datetime) -> Cancelled:
    """Stop a scheduled or running campaign: recipients not yet reached will not be."""
    await writing(session)
    row = await session.get(Campaign, campaign_id, with_for_update=True)
    if row is None:
        raise CampaignNotFound(campaign=campaign_id)
    if row.status not in OPEN_STATUSES:
        raise CampaignNotCancellable(campaign=campaign_id, status=row.status)
    row.status = CampaignStatus.CANCELLED
    row.finished_at = now
    result = await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status == RecipientStatus.PENDING)
        .values(status=RecipientStatus.CANCELLED)
    )
    await audit.record(session, actor, "campaign-cancel", now=now, subject=f"campaign:{campaign_id}")
    view = CampaignView.of(row)
    return Cancelled(view, int(result.rowcount or 0))  # type: ignore[attr-defined]


async def open_campaigns(session: AsyncSession) -> list[CampaignView]:
    """Campaigns still to be started or finished: what the scheduler picks up at start-up."""
    rows = await session.scalars(select(Campaign).where(Campaign.status.in_(OPEN_STATUSES)).order_by(Campaign.id))
    return [CampaignView.of(row) for row in rows]


async def running_campaigns(session: AsyncSession) -> list[int]:
    """The campaigns being delivered now, by whichever process started them."""
    rows = await session.scalars(select(Campaign.id).where(Campaign.status == CampaignStatus.RUNNING))
    return list(rows)


async def progress(session: AsyncSession, campaign_ids: list[int]) -> dict[int, Progress]:
    """Recipient counts per state for each campaign, from the queue index alone."""
    counts: dict[int, dict[str, int]] = {campaign_id: {} for campaign_id in campaign_ids}
    if campaign_ids:
        rows = await session.execute(
            select(CampaignRecipient.campaign_id, CampaignRecipient.status, func.count())
            .where(CampaignRecipient.campaign_id.in_(campaign_ids))
            .group_by(CampaignRecipient.campaign_id, CampaignRecipient.status)
        )
        for campaign_id, status, count in rows:
            counts[campaign_id][status] = count
    return {campaign_id: Progress(by_status) for campaign_id, by_status in counts.items()}


async def recent_campaigns(session: AsyncSession, limit: int = 15) -> list[CampaignSummary]:
    """The newest campaigns with their progress, newest first."""
    rows = list(await session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit)))
    by_id = await progress(session, [row.id for row in rows])
    return [CampaignSummary(CampaignView.of(row), by_id[row.id]) for row in rows]


async def queue_depth(session: AsyncSession) -> int:
    """Messages of running campaigns still waiting for their turn (or for quiet hours): what delivery has ahead."""
    running = select(Campaign.id).where(Campaign.status == CampaignStatus.RUNNING)
    waiting = (
        select(func.count())
        .select_from(CampaignRecipient)
        .where(CampaignRecipient.status == RecipientStatus.PENDING, CampaignRecipient.campaign_id.in_(running))
    )
    return int(await session.scalar(waiting) or 0)
