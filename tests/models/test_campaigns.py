"""Composing and cancelling campaigns: every part of a draft is checked, nothing is stored for a bad one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.campaigns.audience import freeze_audience, start_campaign
from models.campaigns.planning import (
    PERSONAL,
    CampaignDraft,
    audience_sizes,
    cancel_campaign,
    create_campaign,
    open_campaigns,
    recent_campaigns,
)
from models.campaigns.records import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus
from models.core.base import utcnow
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
from models.members.consent import accept_terms, refuse_terms
from models.team.staff import Actor, Role
from tests.support.audiences import add_members, set_segment
from tests.support.units import step

MANAGER = Actor(900001, Role.ADMIN)


async def campaigns_stored(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Campaign)) or 0)


class TestComposing:
    async def test_a_valid_draft_is_scheduled_for_its_time(self, session: AsyncSession, programme: Programme) -> None:
        now = utcnow()
        draft = CampaignDraft(
            "at_risk", "<b>We miss you</b>", offer="comeback_20", holdout_percent=10, send_at=now + timedelta(hours=2)
        )
        async with step(session):
            campaign = await create_campaign(session, programme, draft, MANAGER, now)
        assert campaign.status == CampaignStatus.SCHEDULED
        assert campaign.send_at == now + timedelta(hours=2)
        assert campaign.text == "<b>We miss you</b>"
        assert [c.id for c in await open_campaigns(session)] == [campaign.id]

    async def test_now_means_now(self, session: AsyncSession, programme: Programme) -> None:
        now = utcnow()
        async with step(session):
            campaign = await create_campaign(
                session, programme, CampaignDraft("all", "Hello", offer=PERSONAL), MANAGER, now
            )
        assert campaign.send_at == now
        assert campaign.offer == PERSONAL

    @pytest.mark.parametrize(
        ("draft", "error"),
        [
            (CampaignDraft("vips", "Hello"), CampaignUnknownSegment),
            (CampaignDraft("all", "   "), CampaignTextEmpty),
            (CampaignDraft("all", "<b></b>"), CampaignTextEmpty),
            (CampaignDraft("all", "x" * 3501), CampaignTextTooLong),
            (CampaignDraft("all", "x" * 701, photo="AgACAgIAAxkBAAI"), CampaignTextTooLong),
            (CampaignDraft("all", "Hello", offer="free_lunch"), CampaignUnknownOffer),
            (CampaignDraft("all", "Hello", holdout_percent=51), CampaignBadHoldout),
            (CampaignDraft("all", "Hello", holdout_percent=-1), CampaignBadHoldout),
        ],
    )
    async def test_a_bad_part_is_refused_and_nothing_is_stored(
        self, session: AsyncSession, programme: Programme, draft: CampaignDraft, error: type[Exception]
    ) -> None:
        with pytest.raises(error):
            async with step(session):
                await create_campaign(session, programme, draft, MANAGER, utcnow())
        assert await campaigns_stored(session) == 0

    async def test_a_time_in_the_past_is_refused_with_the_local_time(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        now = utcnow()
        draft = CampaignDraft("all", "Hello", send_at=now - timedelta(hours=1))
        with pytest.raises(CampaignTimeInPast) as refused:
            async with step(session):
                await create_campaign(session, programme, draft, MANAGER, now)
        assert str(refused.value.details["when"]).count(":") == 1
        assert await campaigns_stored(session) == 0

    async def test_unknown_segment_lists_the_valid_ones(self, session: AsyncSession, programme: Programme) -> None:
        with pytest.raises(CampaignUnknownSegment) as refused:
            async with step(session):
                await create_campaign(session, programme, CampaignDraft("vips", "Hello"), MANAGER, utcnow())
        assert "at_risk" in str(refused.value.details["segments"])
        assert "likes:coffee" in str(refused.value.details["segments"])

    async def test_segment_sizes_count_only_members_who_agreed_to_marketing(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        agreed = await add_members(session, 5)
        await add_members(session, 3, first_telegram_id=80_000_000, consent=False)
        await set_segment(session, agreed[:2], "at_risk")
        sizes = await audience_sizes(session, programme)
        assert sizes["all"] == 5
        assert sizes["at_risk"] == 2
        assert sizes["champions"] == 0

    async def test_segment_sizes_count_only_members_who_accepted_the_current_terms(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        accepted, declined, _silent = await add_members(session, 3)
        renewed = programme.model_copy(update={"consent_version": "renewed"})
        await accept_terms(session, renewed, accepted, utcnow())
        await refuse_terms(session, renewed, declined, utcnow())
        await session.commit()
        assert (await audience_sizes(session, renewed, ["all"]))["all"] == 1

    async def test_confirming_the_same_draft_twice_makes_one_campaign(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        draft = CampaignDraft("all", "Hello", key="draft:900001:abc")
        async with step(session):
            first = await create_campaign(session, programme, draft, MANAGER, utcnow())
        async with step(session):
            again = await create_campaign(session, programme, draft, MANAGER, utcnow())
        assert first.id == again.id
        assert await campaigns_stored(session) == 1


class TestCancelling:
    async def test_cancelling_a_running_campaign_cancels_who_was_not_reached(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await add_members(session, 4)
        now = utcnow()
        async with step(session):
            campaign = await create_campaign(session, programme, CampaignDraft("all", "Hello"), MANAGER, now)
        async with step(session):
            started = await start_campaign(session, campaign.id, now)
        assert started is not None
        async with step(session):
            await freeze_audience(session, programme, started)
        async with step(session):
            cancelled = await cancel_campaign(session, campaign.id, MANAGER, now)
        assert cancelled.campaign.status == CampaignStatus.CANCELLED
        assert cancelled.not_reached == 4
        statuses = await session.scalars(select(CampaignRecipient.status))
        assert set(statuses) == {RecipientStatus.CANCELLED}
        [summary] = await recent_campaigns(session)
        assert summary.progress[RecipientStatus.CANCELLED] == 4

    async def test_a_finished_or_unknown_campaign_cannot_be_cancelled(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        now = utcnow()
        async with step(session):
            campaign = await create_campaign(session, programme, CampaignDraft("all", "Hello"), MANAGER, now)
        async with step(session):
            await cancel_campaign(session, campaign.id, MANAGER, now)
        with pytest.raises(CampaignNotCancellable):
            async with step(session):
                await cancel_campaign(session, campaign.id, MANAGER, now)
        with pytest.raises(CampaignNotFound):
            async with step(session):
                await cancel_campaign(session, 999, MANAGER, now)

    async def test_a_cancelled_campaign_is_never_started(self, session: AsyncSession, programme: Programme) -> None:
        now = utcnow()
        async with step(session):
            campaign = await create_campaign(session, programme, CampaignDraft("all", "Hello"), MANAGER, now)
        async with step(session):
            await cancel_campaign(session, campaign.id, MANAGER, now)
        async with step(session):
            assert await start_campaign(session, campaign.id, now) is None
        assert await session.scalar(select(func.count()).select_from(CampaignRecipient)) == 0
