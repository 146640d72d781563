"""A campaign's effect: purchases of its recipients against its holdout group over the programme's effect window.

Recipients are the members whose message was delivered; the holdout group was chosen at random from the same
audience and sent nothing, so the difference between the two is what the campaign brought.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.campaigns.planning import Progress, get_campaign, progress
from models.campaigns.records import Campaign, CampaignRecipient, CampaignView, RecipientStatus
from models.core.programme import Programme
from models.offers.coupons import Coupon
from models.points.purchases import Purchase

GROUPS = (RecipientStatus.SENT, RecipientStatus.HELD_OUT)
DAY = timedelta(days=1)
MAX_CAMPAIGNS = 10  # the dashboard shows the newest campaigns started in its period
TITLE_LENGTH = 60


@dataclass(frozen=True)
class GroupEffect:
    members: int
    buyers: int
    spend_cents: int

    @property
    def rate(self) -> float:
        """Share of the group who bought at least once."""
        return self.buyers / self.members if self.members else 0.0

    @property
    def spend_per_member_cents(self) -> float:
        return self.spend_cents / self.members if self.members else 0.0

    def per_100(self, count: int) -> float:
        """A count of the group's purchases per 100 of its members, so groups of any size compare."""
        return 100 * count / self.members if self.members else 0.0


@dataclass(frozen=True)
class Effect:
    since: datetime
    until: datetime
    recipients: GroupEffect
    holdout: GroupEffect
    coupons_issued: int
    coupons_redeemed: int
    # Purchases per 100 members of each group, added up day by day since the start: (recipients, holdout).
    cumulative: list[tuple[float, float]]

    @property
    def days(self) -> int:
        return max(1, round((self.until - self.since) / DAY))


@dataclass(frozen=True)
class CampaignReport:
    campaign: CampaignView
    progress: Progress
    effect: Effect | None  # None until the campaign has started


def _purchases_of_group(campaign_id: int, since: datetime, until: datetime) -> list[ColumnElement[bool]]:
    """Join conditions: a group member's purchases inside the window, refunds left out."""
    return [
        and_(
            Purchase.member_id == CampaignRecipient.member_id,
            Purchase.created_at >= since,
            Purchase.created_at < until,
            Purchase.refunded_at.is_(None),
        ),
        and_(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status.in_(GROUPS)),
    ]


async def _effect(
    session: AsyncSession, campaign: CampaignView, counts: Progress, since: datetime, until: datetime
) -> Effect:
    on, among = _purchases_of_group(campaign.id, since, until)
    totals = await session.execute(
        select(CampaignRecipient.status, func.count(func.distinct(Purchase.member_id)), func.sum(Purchase.amount_cents))
        .select_from(CampaignRecipient)
        .join(Purchase, on)
        .where(among)
        .group_by(CampaignRecipient.status)
    )
    by_group = {status: (int(buyers), int(spend or 0)) for status, buyers, spend in totals}
    groups = {status: GroupEffect(counts[status], *by_group.get(status, (0, 0))) for status in GROUPS}
    days = max(1, -(-(until - since) // DAY))
    daily = {status: [0] * days for status in GROUPS}
    # Streamed, so that memory holds one counter per day whatever the number of purchases.
    rows = await session.stream(
        select(CampaignRecipient.status, Purchase.created_at)
        .select_from(CampaignRecipient)
        .join(Purchase, on)
        .where(among)
    )
    async for status, created_at in rows:
        daily[RecipientStatus(status)][min(days - 1, int((created_at - since) / DAY))] += 1
    cumulative: list[tuple[float, float]] = []
    reached = held = 0
    for day in range(days):
        reached += daily[RecipientStatus.SENT][day]
        held += daily[RecipientStatus.HELD_OUT][day]
        cumulative.append(
            (groups[RecipientStatus.SENT].per_100(reached), groups[RecipientStatus.HELD_OUT].per_100(held))
        )
    coupons = await session.execute(
        select(func.count(CampaignRecipient.coupon_code), func.count(Coupon.redeemed_at))
        .outerjoin(Coupon, Coupon.code == CampaignRecipient.coupon_code)
        .where(CampaignRecipient.campaign_id == campaign.id)
    )
    issued, redeemed = coupons.one()
    return Effect(
        since,
        until,
        groups[RecipientStatus.SENT],
        groups[RecipientStatus.HELD_OUT],
        coupons_issued=issued,
        coupons_redeemed=redeemed,
        cumulative=cumulative,
    )


async def campaign_report(
    session: AsyncSession, programme: Programme, campaign_id: int, now: datetime
) -> CampaignReport:
    """Delivery counts, and once the campaign started, its effect so far (up to `effect_days` after the start)."""
    campaign = await get_campaign(session, campaign_id)
    counts = (await progress(session, [campaign_id]))[campaign_id]
    effect = None
    if campaign.started_at is not None:
        since = campaign.started_at
        until = min(now, since + timedelta(days=programme.marketing.effect_days))
        effect = await _effect(session, campaign, counts, since, max(until, since + timedelta(seconds=1)))
    return CampaignReport(campaign, counts, effect)


@dataclass(frozen=True)
class CampaignEffect:
    id: int
    title: str
    sent: int
    holdout: int
    treated_rate: float | None  # None before the campaign starts
    holdout_rate: float | None


def title_of(text: str) -> str:
    """A campaign's first line without its HTML, short enough for a chart's legend."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text)).strip().splitlines()
    line = plain[0] if plain else ""
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


async def period_effects(
    session: AsyncSession, programme: Programme, start: datetime, end: datetime, now: datetime
) -> list[CampaignEffect]:
    """The effect so far of the newest campaigns started between `start` and `end`, for the dashboard."""
    rows = await session.execute(
        select(Campaign.id, Campaign.text)
        .where(Campaign.started_at >= start, Campaign.started_at < end)
        .order_by(Campaign.started_at.desc())
        .limit(MAX_CAMPAIGNS)
    )
    effects = []
    for campaign_id, text in rows.all():
        report = await campaign_report(session, programme, campaign_id, now)
        effect = report.effect
        effects.append(
            CampaignEffect(
                campaign_id,
                title_of(text),
                report.progress[RecipientStatus.SENT],
                report.progress[RecipientStatus.HELD_OUT],
                effect.recipients.rate if effect else None,
                effect.holdout.rate if effect else None,
            )
        )
    return effects
