"""The delivery rules in the database: frozen audiences, claims, outcomes, recovery, quiet hours and the cap."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.campaigns.audience import freeze_audience, start_campaign
from models.campaigns.automations import campaign_audience, todays_campaign
from models.campaigns.marketing_rules import quiet_until
from models.campaigns.planning import CampaignDraft, create_campaign, progress
from models.campaigns.queue import (
    Claimed,
    Lease,
    Outcome,
    claim,
    claim_next,
    due_page,
    queue_state,
    record,
    recover_interrupted,
    renew_lease,
)
from models.campaigns.records import Campaign, CampaignRecipient, CampaignView, RecipientStatus
from models.core import clock
from models.core.base import utcnow
from models.core.programme import Automation, FrequencyCap, LocalText, Marketing, Programme, QuietHours
from models.core.uow import transaction
from models.members.consent import accept_terms, refuse_terms
from models.members.registry import Member, set_marketing_consent
from models.membership.privacy import forget
from models.points import ledger
from models.team.staff import Actor, Role
from tests.support.audiences import add_members, set_segment
from tests.support.units import step

MANAGER = Actor(900001, Role.ADMIN)


async def started(session: AsyncSession, programme: Programme, draft: CampaignDraft) -> CampaignView:
    now = utcnow()
    async with step(session):
        campaign = await create_campaign(session, programme, draft, MANAGER, now)
    async with step(session):
        running = await start_campaign(session, campaign.id, now)
    assert running is not None
    return running


async def frozen(session: AsyncSession, programme: Programme, members: int) -> CampaignView:
    """A running campaign to `members` new members, its audience frozen."""
    await add_members(session, members)
    campaign = await started(session, programme, CampaignDraft("all", "Hello"))
    async with step(session):
        await freeze_audience(session, programme, campaign)
    return campaign


def lease(now: datetime | None = None, owner: str = "process-a", seconds: float = 30) -> Lease:
    return Lease(owner, (now or utcnow()) + timedelta(seconds=seconds))


async def claim_first(
    session: AsyncSession,
    programme: Programme,
    campaign: CampaignView,
    limit: int,
    now: datetime | None = None,
    held: Lease | None = None,
) -> list[Claimed]:
    moment = now or utcnow()
    page = await due_page(session, campaign.id, after=0, now=moment, limit=limit)
    async with step(session):
        return await claim(session, programme, campaign, page, moment, held or lease(moment))


async def statuses(session: AsyncSession, campaign_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(CampaignRecipient.member_id, CampaignRecipient.status).where(
            CampaignRecipient.campaign_id == campaign_id
        )
    )
    return dict(rows.all())


def no_limits(programme: Programme) -> Programme:
    return programme.model_copy(update={"marketing": Marketing()})


class TestFreezing:
    async def test_only_members_who_agreed_and_can_be_reached_are_frozen(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        agreed = await add_members(session, 4)
        refused = await add_members(session, 2, first_telegram_id=80_000_000, consent=False)
        await session.execute(update(Member).where(Member.id == agreed[0]).values(reachable=False))
        await session.execute(update(Member).where(Member.id == agreed[1]).values(forgotten_at=utcnow()))
        await session.commit()
        campaign = await started(session, programme, CampaignDraft("all", "Hello"))
        async with step(session):
            assert await freeze_audience(session, programme, campaign) == 2
        assert set(await statuses(session, campaign.id)) == set(agreed[2:])
        assert not set(refused) & set(await statuses(session, campaign.id))

    async def test_members_who_have_not_accepted_the_current_terms_are_not_in_the_audience(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        accepted, declined, silent = await add_members(session, 3)
        renewed = programme.model_copy(update={"consent_version": "renewed"})
        await accept_terms(session, renewed, accepted, utcnow())
        await refuse_terms(session, renewed, declined, utcnow())
        await session.commit()
        campaign = await started(session, renewed, CampaignDraft("all", "Hello"))
        assert await freeze_audience(session, renewed, campaign) == 1
        assert set(await statuses(session, campaign.id)) == {accepted}
        assert silent not in await statuses(session, campaign.id)

    async def test_the_holdout_share_is_exact_and_differs_between_campaigns(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await add_members(session, 200)
        held: list[set[int]] = []
        for _ in range(2):
            campaign = await started(session, programme, CampaignDraft("all", "Hello", holdout_percent=10))
            async with step(session):
                assert await freeze_audience(session, programme, campaign) == 200
            rows = await statuses(session, campaign.id)
            held.append({member for member, status in rows.items() if status == RecipientStatus.HELD_OUT})
        assert [len(group) for group in held] == [20, 20]
        assert held[0] != held[1]

    async def test_a_freeze_in_chunks_resumes_without_duplicates(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        await add_members(session, 10)
        campaign = await started(session, programme, CampaignDraft("all", "Hello", holdout_percent=20))
        async with step(session):
            assert await freeze_audience(session, programme, campaign, chunk=3, checkpoint=session.commit) == 10
        # As if the process had stopped before the last chunk was confirmed: freezing again adds nobody twice.
        await session.execute(update(Campaign).values(audience_frozen=False))
        await session.commit()
        async with step(session):
            assert await freeze_audience(session, programme, campaign, chunk=3, checkpoint=session.commit) == 10
        counts = (await progress(session, [campaign.id]))[campaign.id]
        assert counts[RecipientStatus.HELD_OUT] == 2  # 20% of 10, however the chunks fall
        assert counts.audience == 10

    async def test_a_segment_campaign_reaches_only_its_segment(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        members = await add_members(session, 6)
        await set_segment(session, members[:3], "at_risk")
        campaign = await started(session, programme, CampaignDraft("at_risk", "We miss you"))
        async with step(session):
            assert await freeze_audience(session, programme, campaign) == 3
        assert set(await statuses(session, campaign.id)) == set(members[:3])


class TestClaims:
    async def test_a_row_is_claimed_once_and_its_outcome_recorded(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 3)
        page = await due_page(session, campaign.id, after=0, now=utcnow(), limit=10)
        async with step(session):
            claimed = await claim(session, programme, campaign, page, utcnow(), lease())
        assert [row.member_id for row in claimed] == [row.member_id for row in page]
        async with step(session):
            assert await claim(session, programme, campaign, page, utcnow(), lease()) == []
        first, second, third = claimed
        async with step(session):
            await record(
                session,
                [
                    Outcome(first.id, first.member_id, RecipientStatus.SENT, message_id=7),
                    Outcome(second.id, second.member_id, RecipientStatus.BLOCKED, error="Forbidden: bot was blocked"),
                    Outcome(third.id, third.member_id, RecipientStatus.PENDING),
                ],
            )
        rows = await statuses(session, campaign.id)
        assert rows == {
            first.member_id: RecipientStatus.SENT,
            second.member_id: RecipientStatus.BLOCKED,
            third.member_id: RecipientStatus.PENDING,
        }
        assert await session.scalar(select(Member.reachable).where(Member.id == second.member_id)) is False
        message_id = await session.scalar(
            select(CampaignRecipient.telegram_message_id).where(CampaignRecipient.id == first.id)
        )
        assert message_id == 7

    async def test_a_message_that_went_through_makes_the_member_reachable_again(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 1)
        [row] = await claim_first(session, programme, campaign, 5)
        await session.execute(update(Member).values(reachable=False))  # a 403 to another campaign meanwhile
        await record(session, [Outcome(row.id, row.member_id, RecipientStatus.SENT, message_id=3)])
        assert await session.scalar(select(Member.reachable).where(Member.id == row.member_id)) is True

    async def test_members_who_opted_out_after_the_freeze_are_skipped(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 2)
        members = sorted(await statuses(session, campaign.id))
        await session.execute(update(Member).where(Member.id == members[0]).values(marketing_consent=False))
        await session.commit()
        async with step(session):
            claimed = await claim_first(session, programme, campaign, 10)
        assert [row.member_id for row in claimed] == [members[1]]
        assert (await statuses(session, campaign.id))[members[0]] == RecipientStatus.SKIPPED

    async def test_an_opt_out_committed_after_the_page_was_read_still_stops_the_message(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 4)
        stopped, forgot, blocked, stays = sorted(await statuses(session, campaign.id))
        page = await due_page(session, campaign.id, after=0, now=utcnow(), limit=10)
        await session.commit()
        # Between reading the page and claiming it: /stop, /forget, and a 403 from another campaign.
        await set_marketing_consent(session, programme, stopped, granted=False, now=utcnow())
        await forget(session, programme, forgot, utcnow())
        await session.execute(update(Member).where(Member.id == blocked).values(reachable=False))
        await session.commit()
        claimed = await claim(session, programme, campaign, page, utcnow(), lease())
        assert [row.member_id for row in claimed] == [stays]
        rows = await session.execute(
            select(CampaignRecipient.member_id, CampaignRecipient.status, CampaignRecipient.error).where(
                CampaignRecipient.campaign_id == campaign.id
            )
        )
        assert {member: (status, error) for member, status, error in rows} == {
            stopped: (RecipientStatus.SKIPPED, "withdrew marketing consent"),
            forgot: (RecipientStatus.SKIPPED, "left the programme"),
            blocked: (RecipientStatus.SKIPPED, "blocked the bot"),
            stays: (RecipientStatus.SENDING, None),
        }

    async def test_members_who_have_not_accepted_the_current_terms_are_not_claimed(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 3)
        accepted, declined, silent = sorted(await statuses(session, campaign.id))
        page = await due_page(session, campaign.id, after=0, now=utcnow(), limit=10)
        renewed = programme.model_copy(update={"consent_version": "renewed"})
        await accept_terms(session, renewed, accepted, utcnow())
        await refuse_terms(session, renewed, declined, utcnow())
        await session.commit()
        claimed = await claim(session, renewed, campaign, page, utcnow(), lease())
        assert [row.member_id for row in claimed] == [accepted]
        rows = await statuses(session, campaign.id)
        assert rows[declined] == rows[silent] == RecipientStatus.SKIPPED

    async def test_the_frequency_cap_holds_a_member_back_until_the_oldest_message_ages_out(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        capped = programme.model_copy(update={"marketing": Marketing(frequency_cap=FrequencyCap(messages=2, days=7))})
        [member] = await add_members(session, 1)
        now = utcnow()
        sent_at = [now - timedelta(days=5), now - timedelta(days=1)]
        for when in sent_at:
            campaign = await started(session, capped, CampaignDraft("all", "Earlier"))
            async with step(session):
                await freeze_audience(session, capped, campaign)
            async with step(session):
                [row] = await claim_first(session, capped, campaign, 5, when)
            async with step(session):
                await record(session, [Outcome(row.id, member, RecipientStatus.SENT, message_id=1)])
        campaign = await started(session, capped, CampaignDraft("all", "One too many"))
        async with step(session):
            await freeze_audience(session, capped, campaign)
        page = await due_page(session, campaign.id, after=0, now=now, limit=5)
        async with step(session):
            assert await claim(session, capped, campaign, page, now, lease()) == []
        state = await queue_state(session, campaign.id, now)
        assert not state.finished
        assert state.next_due == sent_at[0] + timedelta(days=7)
        assert await due_page(session, campaign.id, after=0, now=now, limit=5) == []
        later = sent_at[0] + timedelta(days=7, seconds=1)
        assert len(await due_page(session, campaign.id, after=0, now=later, limit=5)) == 1

    async def test_the_campaign_finishes_when_nobody_is_left_waiting(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 2)
        async with step(session):
            claimed = await claim_first(session, programme, campaign, 5)
        assert not (await queue_state(session, campaign.id, utcnow())).finished
        async with step(session):
            await record(
                session, [Outcome(row.id, row.member_id, RecipientStatus.SENT, message_id=1) for row in claimed]
            )
        assert (await queue_state(session, campaign.id, utcnow())).finished
        assert await session.scalar(select(Campaign.status)) == "done"

    async def test_rows_caught_mid_send_become_unknown_and_are_never_claimed_again(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 3)
        async with step(session):
            await claim_first(session, programme, campaign, 2)
        async with step(session):
            assert await recover_interrupted(session, utcnow() + timedelta(seconds=31)) == 2
        counts = (await progress(session, [campaign.id]))[campaign.id]
        assert counts[RecipientStatus.UNKNOWN] == 2
        remaining = await due_page(session, campaign.id, after=0, now=utcnow(), limit=10)
        assert len(remaining) == 1


class TestLeases:
    """Several processes deliver one campaign: each claims rows under its own lease, and only the rows of a process
    that stopped renewing its lease (it died) are ever taken for lost."""

    async def test_a_starting_process_leaves_alone_the_rows_a_live_process_is_sending(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        campaign = await frozen(session, no_limits(programme), 3)
        now = utcnow()
        await claim_first(session, no_limits(programme), campaign, 2, now, lease(now, "process-a"))
        async with step(session):
            assert await recover_interrupted(session, now + timedelta(seconds=29)) == 0
        assert (await progress(session, [campaign.id]))[campaign.id][RecipientStatus.SENDING] == 2

    async def test_rows_of_a_process_that_stopped_renewing_become_unknown(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 4)
        now = utcnow()
        await claim_first(session, programme, campaign, 2, now, lease(now, "process-a"))
        await claim_first(session, programme, campaign, 2, now, lease(now, "process-b"))
        async with step(session):
            await renew_lease(session, campaign.id, lease(now, "process-b", seconds=60))
        async with step(session):
            assert await recover_interrupted(session, now + timedelta(seconds=45)) == 2
        counts = (await progress(session, [campaign.id]))[campaign.id]
        assert (counts[RecipientStatus.UNKNOWN], counts[RecipientStatus.SENDING]) == (2, 2)
        owners = await session.scalars(
            select(CampaignRecipient.claimed_by).where(CampaignRecipient.status == RecipientStatus.SENDING)
        )
        assert set(owners) == {"process-b"}

    async def test_the_campaign_waits_for_another_process_s_rows_then_finishes_once(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        campaign = await frozen(session, programme, 2)
        now = utcnow()
        claimed = await claim_first(session, programme, campaign, 1, now, lease(now, "process-a"))
        [mine] = await claim_first(session, programme, campaign, 1, now, lease(now, "process-b"))
        async with step(session):
            await record(session, [Outcome(mine.id, mine.member_id, RecipientStatus.SENT, message_id=1)])
        async with step(session):
            state = await queue_state(session, campaign.id, now)
        assert not state.finished
        assert state.sending  # process-a is about to answer it, or has died: look again soon, and at the latest
        assert state.next_due == now + timedelta(seconds=30)  # when process-a's lease runs out
        async with step(session):
            state = await queue_state(session, campaign.id, now + timedelta(seconds=31))
        assert (state.finished, state.finished_here) == (True, True)
        async with step(session):
            again = await queue_state(session, campaign.id, now + timedelta(seconds=32))
        assert (again.finished, again.finished_here) == (True, False)
        counts = (await progress(session, [campaign.id]))[campaign.id]
        assert counts[RecipientStatus.UNKNOWN] == len(claimed) == 1

    async def test_two_processes_claiming_the_same_page_never_share_a_row(
        self, sessionmaker: async_sessionmaker[AsyncSession], programme: Programme
    ) -> None:
        programme = no_limits(programme)
        async with sessionmaker() as session:
            campaign = await frozen(session, programme, 40)
            page = await due_page(session, campaign.id, after=0, now=utcnow(), limit=40)

        async def one_process(owner: str) -> list[int]:
            async with transaction(sessionmaker) as session:
                claimed = await claim(session, programme, campaign, page, utcnow(), lease(owner=owner))
            return [row.id for row in claimed]

        first, second = await asyncio.gather(one_process("process-a"), one_process("process-b"))
        assert not set(first) & set(second)
        assert len(first) + len(second) == 40

    async def test_processes_claiming_from_the_same_start_take_the_next_free_rows(
        self, sessionmaker: async_sessionmaker[AsyncSession], programme: Programme
    ) -> None:
        """While one process's claim is still open, another claiming from the same place gets the rows after it
        (not an empty claim spent on the same rows), and no row goes to both."""
        programme = no_limits(programme)
        async with sessionmaker() as session:
            campaign = await frozen(session, programme, 30)
        first_is_claiming = asyncio.Event()

        async def first() -> list[int]:
            async with transaction(sessionmaker) as session:
                claimed, _ = await claim_next(
                    session, programme, campaign, after=0, now=utcnow(), limit=10, lease=lease(owner="process-a")
                )
                first_is_claiming.set()
                await asyncio.sleep(0.3)  # the other process claims meanwhile
            return [row.id for row in claimed]

        async def second() -> list[int]:
            await first_is_claiming.wait()
            async with transaction(sessionmaker) as session:
                claimed, last = await claim_next(
                    session, programme, campaign, after=0, now=utcnow(), limit=10, lease=lease(owner="process-b")
                )
            assert last == max(row.id for row in claimed)
            return [row.id for row in claimed]

        taken_first, taken_second = await asyncio.gather(first(), second())
        assert len(taken_first) == len(taken_second) == 10
        assert max(taken_first) < min(taken_second)
        async with transaction(sessionmaker) as session:
            rest, _ = await claim_next(session, programme, campaign, after=0, now=utcnow(), limit=30, lease=lease())
            nothing = await claim_next(session, programme, campaign, after=0, now=utcnow(), limit=30, lease=lease())
        assert len(rest) == 10
        assert nothing == ([], None)


class TestQuietHours:
    marketing = Marketing(quiet_hours=QuietHours(start=time(21), end=time(9)))

    def test_late_evening_waits_for_the_next_morning(self) -> None:
        evening = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)  # 22:30 in Moscow
        assert quiet_until(self.marketing, "Europe/Moscow", evening) == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)

    def test_early_morning_waits_until_the_end_the_same_day(self) -> None:
        early = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 06:00 in Moscow
        assert quiet_until(self.marketing, "Europe/Moscow", early) == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)

    def test_daytime_is_not_quiet(self) -> None:
        noon = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        assert quiet_until(self.marketing, "Europe/Moscow", noon) is None
        assert quiet_until(Marketing(), "Europe/Moscow", noon) is None

    def test_quiet_hours_within_one_day(self) -> None:
        lunch = Marketing(quiet_hours=QuietHours(start=time(13), end=time(14)))
        assert quiet_until(lunch, "UTC", datetime(2026, 11, 24, 13, 30, tzinfo=UTC)) == datetime(
            2026, 11, 24, 14, 0, tzinfo=UTC
        )
        assert quiet_until(lunch, "UTC", datetime(2026, 11, 24, 14, 0, tzinfo=UTC)) is None


class TestAutomations:
    def automation(self, kind: str) -> Automation:
        return Automation.model_validate({"kind": kind, "text": LocalText(en="Hi", ru="Привет")})

    async def audience_of(self, session: AsyncSession, programme: Programme, kind: str, now: datetime) -> list[int]:
        async with step(session):
            campaign = await todays_campaign(session, programme, self.automation(kind), now)
        members = await session.scalars(campaign_audience(programme, campaign))
        return list(members)

    async def test_birthdays_today_in_the_business_time_zone(self, session: AsyncSession, programme: Programme) -> None:
        members = await add_members(session, 3)
        birthdays = [date(1990, 11, 24), date(1985, 11, 23), date(2000, 2, 29)]
        for member, birthday in zip(members, birthdays, strict=True):
            await session.execute(update(Member).where(Member.id == member).values(birthday=birthday))
        await session.commit()
        moscow_morning = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # already the 24th in Moscow
        assert await self.audience_of(session, programme, "birthday", moscow_morning) == [members[0]]

    async def test_a_leap_day_birthday_is_greeted_on_28_february(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        [member] = await add_members(session, 1)
        await session.execute(update(Member).values(birthday=date(2000, 2, 29)))
        await session.commit()
        assert await self.audience_of(session, programme, "birthday", datetime(2027, 2, 28, 9, tzinfo=UTC)) == [member]

    async def test_expiring_points_reach_members_whose_lot_ends_within_the_window(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        soon, later = await add_members(session, 2)
        now = utcnow()
        for member, days in ((soon, 5), (later, 60)):
            async with step(session):
                await ledger.credit(
                    session,
                    member_id=member,
                    points=50,
                    kind="welcome",
                    reason="test",
                    key=f"lot:{member}",
                    now=now,
                    zone=UTC,
                    expires_at=now + timedelta(days=days),
                )
        assert await self.audience_of(session, programme, "expiring_points", now) == [soon]

    async def test_an_automation_makes_one_campaign_a_day(self, session: AsyncSession, programme: Programme) -> None:
        # Noon tomorrow in the business's zone: "five minutes later" is the same business day whenever this runs.
        local = clock.local(programme, utcnow()) + timedelta(days=1)
        now = local.replace(hour=12, minute=0, second=0, microsecond=0).astimezone(UTC)
        async with step(session):
            first = await todays_campaign(session, programme, self.automation("win_back"), now)
        async with step(session):
            again = await todays_campaign(session, programme, self.automation("win_back"), now + timedelta(minutes=5))
        async with step(session):
            tomorrow = await todays_campaign(session, programme, self.automation("win_back"), now + timedelta(days=1))
        assert first.id == again.id != tomorrow.id
        assert first.text_for("ru") == "Привет"
        assert await session.scalar(select(func.count()).select_from(Campaign)) == 2

    async def test_automations_skip_members_who_declined_the_current_terms(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        renewed = no_limits(programme).model_copy(update={"consent_version": "renewed"})
        accepted, declined = await add_members(session, 2)
        await set_segment(session, [accepted, declined], "at_risk")
        await accept_terms(session, renewed, accepted, utcnow())
        await refuse_terms(session, renewed, declined, utcnow())
        await session.commit()
        now = utcnow()
        campaign = await todays_campaign(session, renewed, self.automation("win_back"), now)
        campaign = await start_campaign(session, campaign.id, now) or campaign
        assert await freeze_audience(session, renewed, campaign) == 1
        assert [row.member_id for row in await claim_first(session, renewed, campaign, 5, now)] == [accepted]

    async def test_win_back_skips_members_who_got_one_recently(
        self, session: AsyncSession, programme: Programme
    ) -> None:
        programme = no_limits(programme)
        members = await add_members(session, 2)
        await set_segment(session, members, "at_risk")
        now = utcnow()
        async with step(session):
            campaign = await todays_campaign(session, programme, self.automation("win_back"), now)
        async with step(session):
            campaign = await start_campaign(session, campaign.id, now) or campaign
        async with step(session):
            await freeze_audience(session, programme, campaign)
        async with step(session):
            reached, missed = await claim_first(session, programme, campaign, 5, now)
        async with step(session):
            await record(
                session,
                [
                    Outcome(reached.id, reached.member_id, RecipientStatus.SENT, message_id=1),
                    Outcome(missed.id, missed.member_id, RecipientStatus.FAILED, error="Bad Request: chat not found"),
                ],
            )
        next_week = now + timedelta(days=7)
        assert await self.audience_of(session, programme, "win_back", next_week) == [members[1]]
