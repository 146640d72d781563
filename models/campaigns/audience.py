"""Starting a campaign: its audience frozen into recipient rows, in chunks and resumably, with the holdout marked.

The audience is the campaign's members who agreed to marketing and can be reached, taken in member order as the
freeze goes; whether each may still be messaged is decided again at their row's turn (`models.campaigns.queue.claim`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, cast, func, insert, literal, literal_column, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models.campaigns.automations import campaign_audience
from models.campaigns.planning import marketable
from models.campaigns.records import Campaign, CampaignRecipient, CampaignStatus, CampaignView, RecipientStatus
from models.core.programme import Programme
from models.core.uow import Checkpoint, no_checkpoint, writing
from models.members.registry import Member

FREEZE_CHUNK = 20_000


async def start_campaign(session: AsyncSession, campaign_id: int, now: datetime) -> CampaignView | None:
    """Mark a scheduled campaign running (only the first call does); None if it is no longer open."""
    await writing(session)
    await session.execute(
        sql_update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SCHEDULED)
        .values(status=CampaignStatus.RUNNING, started_at=now)
    )
    row = await session.get(Campaign, campaign_id, populate_existing=True)
    if row is None or row.status != CampaignStatus.RUNNING:
        return None
    return CampaignView.of(row)


def _holdout_order(campaign_id: int) -> ColumnElement[int]:
    """A per-campaign shuffle of members (Knuth's multiplicative hash), the same on SQLite and PostgreSQL."""
    seeded = cast(CampaignRecipient.member_id, BigInteger) + campaign_id * 7919
    return (seeded * literal_column("2654435761")) % literal_column("4294967296")


async def freeze_chunk(
    session: AsyncSession, programme: Programme, campaign: CampaignView, *, chunk: int = FREEZE_CHUNK
) -> bool:
    """Write the next chunk of recipient rows (committing it); True once the whole audience is frozen.

    The audience is the campaign's members who agreed to marketing and can be reached, taken in member order, so a
    freeze cut short resumes after the last member written. Each chunk's share of the holdout is marked by a seeded
    shuffle, rounded over the whole audience so far so that chunks do not add up rounding errors.
    """
    await writing(session)
    recipients = CampaignRecipient
    # The campaign row is locked for the chunk, so a cancellation waits for it and then sees its rows.
    state = await session.execute(
        select(Campaign.status, Campaign.audience_frozen).where(Campaign.id == campaign.id).with_for_update()
    )
    status, frozen = state.one()
    if frozen or status != CampaignStatus.RUNNING:
        return True
    so_far = await session.execute(
        select(
            func.max(recipients.member_id),
            func.count(),
            func.count().filter(recipients.status == RecipientStatus.HELD_OUT),
        ).where(recipients.campaign_id == campaign.id)
    )
    last, rows_so_far, held_so_far = so_far.one()
    intended = marketable(programme, campaign_audience(programme, campaign))
    members = intended.where(Member.id > (last or 0)).limit(chunk).subquery()
    inserted = await session.execute(
        insert(recipients).from_select(
            ["campaign_id", "member_id", "status"],
            select(literal(campaign.id, Integer), members.c.id, literal(RecipientStatus.PENDING.value, String)),
        )
    )
    count = inserted.rowcount or 0  # type: ignore[attr-defined]
    held_out = round((rows_so_far + count) * campaign.holdout_percent / 100) - held_so_far
    if held_out:
        this_chunk = [recipients.campaign_id == campaign.id, recipients.member_id > (last or 0)]
        pick = select(recipients.id).where(*this_chunk).order_by(_holdout_order(campaign.id)).limit(held_out)
        await session.execute(
            sql_update(recipients)
            .where(recipients.id.in_(pick.scalar_subquery()))
            .values(status=RecipientStatus.HELD_OUT)
        )
    done = count < chunk
    if done:
        await session.execute(sql_update(Campaign).where(Campaign.id == campaign.id).values(audience_frozen=True))
    return done


async def freeze_audience(
    session: AsyncSession,
    programme: Programme,
    campaign: CampaignView,
    *,
    chunk: int = FREEZE_CHUNK,
    checkpoint: Checkpoint = no_checkpoint,
) -> int:
    """Freeze the whole audience, chunk by chunk (see `freeze_chunk`) with a `checkpoint` after each; its size."""
    while not await freeze_chunk(session, programme, campaign, chunk=chunk):
        await checkpoint()
    return await audience_size(session, campaign.id)


async def audience_size(session: AsyncSession, campaign_id: int) -> int:
    total = await session.scalar(select(func.count()).where(CampaignRecipient.campaign_id == campaign_id))
    return int(total or 0)
