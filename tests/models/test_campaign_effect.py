"""A campaign's effect: recipients' purchases against the control group's, and the coupons it handed out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.campaigns.audience import freeze_audience, start_campaign
from models.campaigns.effect import campaign_report
from models.campaigns.planning import CampaignDraft, create_campaign
from models.campaigns.queue import Lease, Outcome, claim, due_page, record
from models.campaigns.records import Campaign, CampaignRecipient, RecipientStatus
from models.core.base import utcnow
from models.core.programme import Marketing, Programme
from models.offers.coupons import Coupon
from models.points.purchases import Purchase
from models.team.staff import Actor, Role
from tests.support.audiences import add_members
from tests.support.units import step

MANAGER = Actor(900001, Role.ADMIN)


async def delivered(
    session: AsyncSession, programme: Programme, draft: CampaignDraft, members: int
) -> tuple[int, list[int], list[int]]:
    """A campaign sent to everyone but its holdout: (campaign id, recipients, held out)."""
    programme = programme.model_copy(update={"marketing": Marketing()})
    await add_members(session, members)
    now = utcnow()
    async with step(session):
        campaign = await create_campaign(session, programme, draft, MANAGER, now)
    async with step(session):
        running = await start_campaign(session, campaign.id, now)
    assert running is not None
    async with step(session):
        await freeze_audience(session, programme, running)
    page = await due_page(session, campaign.id, after=0, now=now, limit=members)
    async with step(session):
        claimed = await claim(session, programme, running, page, now, Lease("test", now + timedelta(seconds=30)))
    async with step(session):
        await record(session, [Outcome(row.id, row.member_id, RecipientStatus.SENT, message_id=1) for row in claimed])
    held = await session.scalars(
        select(CampaignRecipient.member_id).where(CampaignRecipient.status == RecipientStatus.HELD_OUT)
    )
    return campaign.id, [row.member_id for row in claimed], list(held)


async def buy(session: AsyncSession, purchases: list[tuple[int, int, timedelta]]) -> None:
    start = await session.scalar(select(Campaign.started_at))
    assert start is not None
    rows = [
        {"member_id": member, "amount_cents": cents, "created_at": start + after} for member, cents, after in purchases
    ]
    await session.execute(insert(Purchase), rows)
    await session.commit()


class TestEffect:
    async def test_purchase_rate_and_spend_of_both_groups_and_their_growth_by_day(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        campaign_id, sent, held = await delivered(session, programme, CampaignDraft("all", "Hi", holdout_percent=50), 8)
        day = timedelta(days=1)
        await buy(
            session,
            [
                (sent[0], 10_000, timedelta(hours=1)),
                (sent[0], 30_000, day + timedelta(hours=1)),
                (sent[1], 20_000, 2 * day),
                (held[0], 8_000, 2 * day + timedelta(hours=1)),
                (held[1], 99_000, 30 * day),  # after the effect window: not the campaign's doing
            ],
        )
        report = await campaign_report(session, programme, campaign_id, utcnow() + 40 * day)
        effect = report.effect
        assert effect is not None
        assert (effect.recipients.members, effect.recipients.buyers, effect.recipients.spend_cents) == (4, 2, 60_000)
        assert (effect.holdout.members, effect.holdout.buyers, effect.holdout.spend_cents) == (4, 1, 8_000)
        assert effect.recipients.rate == 0.5
        assert effect.holdout.spend_per_member_cents == 2_000
        assert effect.days == programme.marketing.effect_days
        assert effect.cumulative[:4] == [(25.0, 0.0), (50.0, 0.0), (75.0, 25.0), (75.0, 25.0)]
        assert len(effect.cumulative) == programme.marketing.effect_days

    async def test_refunded_purchases_do_not_count(self, session: AsyncSession, programme: Programme) -> None:
        campaign_id, sent, _ = await delivered(session, programme, CampaignDraft("all", "Hi"), 2)
        await buy(session, [(sent[0], 10_000, timedelta(hours=1))])
        await session.execute(update(Purchase).values(refunded_at=utcnow()))
        await session.commit()
        report = await campaign_report(session, programme, campaign_id, utcnow() + timedelta(days=1))
        assert report.effect is not None
        assert report.effect.recipients.buyers == 0

    async def test_a_campaign_not_started_has_no_effect_yet(self, session: AsyncSession, programme: Programme) -> None:
        draft = CampaignDraft("all", "Later", send_at=utcnow() + timedelta(days=1))
        async with step(session):
            campaign = await create_campaign(session, programme, draft, MANAGER, utcnow())
        report = await campaign_report(session, programme, campaign.id, utcnow())
        assert report.effect is None
        assert report.progress.audience == 0


class TestCoupons:
    async def test_each_recipient_gets_one_coupon_for_a_free_offer_and_redemptions_are_counted(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        campaign_id, sent, _ = await delivered(
            session, programme, CampaignDraft("all", "Hi", offer="croissant_gift"), 3
        )
        coupons = (await session.execute(select(Coupon.member_id, Coupon.key))).all()
        assert sorted(member for member, _ in coupons) == sorted(sent)
        assert {key for _, key in coupons} == {f"campaign:{campaign_id}:{member}" for member in sent}
        codes = set(await session.scalars(select(CampaignRecipient.coupon_code)))
        assert codes == set(await session.scalars(select(Coupon.code)))
        await session.execute(update(Coupon).where(Coupon.member_id == sent[0]).values(redeemed_at=utcnow()))
        await session.commit()
        report = await campaign_report(session, programme, campaign_id, utcnow())
        assert report.effect is not None
        assert (report.effect.coupons_issued, report.effect.coupons_redeemed) == (3, 1)

    async def test_an_offer_that_costs_points_is_announced_without_charging_anyone(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await delivered(session, programme, CampaignDraft("all", "Hi", offer="free_cappuccino"), 2)
        offers = set(await session.scalars(select(CampaignRecipient.offer_id)))
        assert offers == {"free_cappuccino"}
        assert await session.scalar(select(Coupon.id)) is None

    async def test_a_personal_offer_is_each_members_best_offer_with_its_coupon(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        gift = programme.offer("croissant_gift")
        assert gift is not None
        only_gifts = programme.model_copy(update={"offers": [gift.model_copy(update={"segments": []})]})
        await delivered(session, only_gifts, CampaignDraft("all", "Hi", offer="personal"), 2)
        rows = (await session.execute(select(CampaignRecipient.offer_id, CampaignRecipient.coupon_code))).all()
        assert [offer_id for offer_id, _ in rows] == ["croissant_gift", "croissant_gift"]
        assert all(code is not None for _, code in rows)
