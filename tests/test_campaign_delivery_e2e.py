"""The delivery engine against the fake Bot API server: Telegram's limits, refusals and slowness lose nothing and
double nothing, and the configured rate holds over every one-second window."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from models.campaigns.planning import CampaignDraft, Progress, create_campaign, get_campaign, progress
from models.campaigns.records import CampaignRecipient, CampaignStatus, CampaignView, RecipientStatus
from models.core import clock
from models.core.base import utcnow
from models.core.programme import Automation, LocalText
from models.core.uow import transaction
from models.members.registry import Member
from models.team.staff import Actor, Role
from scheduler.broadcast import FINISH_POLL, DeliveryEngine
from tests.journeys import eventually, send
from tests.support.app import OWNER, bot_settings, start_app, stop_app
from tests.support.audiences import FIRST_TELEGRAM_ID, busiest_second, programme_file, seed, typical_second

MANAGER = Actor(OWNER.id, Role.OWNER)


@contextlib.asynccontextmanager
async def running_bot(
    telegram: FakeTelegram, database_url: str, tmp_path: Path, marketing: str = "", **settings: Any
) -> AsyncIterator[App]:
    app, task = await start_app(
        bot_settings(telegram, database_url, programme_file=programme_file(tmp_path, marketing=marketing), **settings)
    )
    try:
        yield app
    finally:
        await stop_app(app, task)


async def launch(app: App, draft: CampaignDraft) -> CampaignView:
    """Create a campaign as a manager would and hand it to the scheduler."""
    async with transaction(app.sessionmaker) as session:
        campaign = await create_campaign(session, app.programme, draft, MANAGER, utcnow())
        await session.commit()
    app.campaigns.schedule(campaign)
    return campaign


async def finished(app: App, campaign_id: int, timeout: float = 30) -> Progress:  # noqa: ASYNC109 - polls the database
    """Wait until the campaign is over; its recipients' states."""
    deadline = time.monotonic() + timeout
    while True:
        async with transaction(app.sessionmaker) as session:
            campaign = await get_campaign(session, campaign_id)
            counts = (await progress(session, [campaign_id]))[campaign_id]
        if campaign.status in (CampaignStatus.DONE, CampaignStatus.CANCELLED):
            return counts
        assert time.monotonic() < deadline, f"campaign {campaign_id} still {campaign.status}: {counts.counts}"
        await asyncio.sleep(0.1)


def campaign_messages(telegram: FakeTelegram, text: str) -> list[Sent]:
    return [sent for sent in telegram.sent if sent.text is not None and sent.text.startswith(text)]


async def until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:  # noqa: ASYNC109 - polls
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def busiest(messages: list[Sent]) -> int:
    return busiest_second([sent.at for sent in messages])


def per_member(messages: list[Sent]) -> Counter[int]:
    return Counter(sent.chat_id for sent in messages)


class TestTelegramLimits:
    async def test_a_429_storm_pauses_everything_and_loses_nothing(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=20) as app:
            members = await seed(app, 30)
            telegram.fail_next("sendMessage", times=3, status=429, retry_after=1)
            began = time.monotonic()
            campaign = await launch(app, CampaignDraft("all", "Storm"))
            counts = await finished(app, campaign.id)
        messages = campaign_messages(telegram, "Storm")
        assert counts[RecipientStatus.SENT] == len(members) == 30
        assert set(per_member(messages).values()) == {1}
        # Each 429 asked for a second's pause, and the same message was tried again after it, three times.
        assert min(sent.at for sent in messages) >= began + 3.0

    async def test_members_who_blocked_the_bot_are_marked_and_skipped_next_time(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=200) as app:
            await seed(app, 50)
            blocked = {FIRST_TELEGRAM_ID + number for number in range(0, 50, 10)}
            for chat_id in blocked:
                telegram.block_user(chat_id)
            first = await finished(app, (await launch(app, CampaignDraft("all", "First"))).id)
            second = await finished(app, (await launch(app, CampaignDraft("all", "Second"))).id)
            async with transaction(app.sessionmaker) as session:
                unreachable = set(await session.scalars(select(Member.telegram_id).where(Member.reachable.is_(False))))
        assert first[RecipientStatus.BLOCKED] == 5
        assert first[RecipientStatus.SENT] == 45
        assert unreachable == blocked
        assert second.audience == 45
        assert second[RecipientStatus.SENT] == 45
        assert not blocked & set(per_member(campaign_messages(telegram, "Second")))

    async def test_a_member_who_unblocks_the_bot_and_writes_gets_campaigns_again(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        returning = FakeUser(id=FIRST_TELEGRAM_ID)
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=100) as app:
            await seed(app, 2)
            telegram.block_user(returning.id)
            first = await finished(app, (await launch(app, CampaignDraft("all", "Before"))).id)
            telegram.unblock_user(returning.id)
            await send(telegram, returning, "/balance")
            second = await finished(app, (await launch(app, CampaignDraft("all", "After"))).id)
        assert first[RecipientStatus.BLOCKED] == 1
        assert second[RecipientStatus.SENT] == 2
        assert [sent.text for sent in campaign_messages(telegram, "After") if sent.chat_id == returning.id] == ["After"]

    async def test_blocking_and_restarting_the_bot_in_the_private_chat_is_noticed(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        user = FakeUser(id=FIRST_TELEGRAM_ID)
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=100) as app:
            await seed(app, 1)
            # The bot answers nothing to either update, so the test watches the member's row until it changes.
            for old, new, expected in (("member", "kicked", False), ("kicked", "member", True)):
                telegram.push_chat_member(user, old, new)

                async def reachable(expected: bool = expected) -> bool | None:
                    async with transaction(app.sessionmaker) as session:
                        found = await session.scalar(select(Member.reachable).where(Member.telegram_id == user.id))
                    return True if found is expected else None

                await eventually(reachable, f"the member's reachability never became {expected}")

    async def test_slow_answers_and_server_errors_never_deliver_a_message_twice(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=50) as app:
            await seed(app, 60)
            telegram.set_delay(0.4, "sendMessage")
            telegram.fail_next("sendMessage", times=3, status=500)
            counts = await finished(app, (await launch(app, CampaignDraft("all", "Slow"))).id)
        messages = campaign_messages(telegram, "Slow")
        # A 5xx does not say whether the message went out: those three are recorded unknown, not tried again.
        assert counts[RecipientStatus.SENT] == len(messages) == 57
        assert counts[RecipientStatus.UNKNOWN] == 3
        assert set(per_member(messages).values()) == {1}
        assert busiest(messages) <= 50

    async def test_a_server_error_after_the_message_went_out_does_not_send_it_again(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=100) as app:
            members = await seed(app, 20)
            telegram.fail_next("sendMessage", times=2, status=502, delivered=True)
            counts = await finished(app, (await launch(app, CampaignDraft("all", "Once"))).id)
        delivered = per_member(campaign_messages(telegram, "Once"))
        assert len(delivered) == len(members)
        assert set(delivered.values()) == {1}
        assert counts[RecipientStatus.UNKNOWN] == 2
        assert counts[RecipientStatus.SENT] == 18

    async def test_the_rate_holds_over_every_one_second_window(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=20) as app:
            await seed(app, 70)
            await finished(app, (await launch(app, CampaignDraft("all", "Paced"))).id)
        messages = campaign_messages(telegram, "Paced")
        assert len(messages) == 70
        assert busiest(messages) <= 20
        # and close to it, second after second: the limit is a pace, not a brake
        assert typical_second([sent.at for sent in messages]) >= 20 * 0.9

    async def test_a_stall_at_telegram_lets_no_second_hold_more_than_the_rate(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=50) as app:
            await seed(app, 150)
            campaign = await launch(app, CampaignDraft("all", "Stalled"))
            await until(lambda: len(campaign_messages(telegram, "Stalled")) >= 30, "30 messages")
            # Telegram stops answering for a second and a half, then takes what came meanwhile all at once.
            telegram.hold_calls("sendMessage")
            await asyncio.sleep(1.5)
            telegram.release_calls("sendMessage")
            counts = await finished(app, campaign.id)
        messages = campaign_messages(telegram, "Stalled")
        assert counts[RecipientStatus.SENT] == len(messages) == 150
        # The messages held up arrived together; what was granted after them had to leave room for them.
        assert busiest(messages) <= 50

    async def test_two_campaigns_at_once_share_the_rate(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=25) as app:
            await seed(app, 30)
            first = await launch(app, CampaignDraft("all", "Alpha"))
            second = await launch(app, CampaignDraft("all", "Beta"))
            await finished(app, first.id)
            await finished(app, second.id)
        messages = campaign_messages(telegram, "Alpha") + campaign_messages(telegram, "Beta")
        assert len(messages) == 60
        assert busiest(messages) <= 25


class TestTwoDeliveries:
    async def test_one_with_nothing_left_to_claim_stops_as_soon_as_the_other_finishes_the_campaign(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=1000) as app:
            await seed(app, 20)
            telegram.hold_chat(FIRST_TELEGRAM_ID)  # the bot's own delivery keeps this one message in flight
            campaign = await launch(app, CampaignDraft("all", "Shared"))
            await until(lambda: len(campaign_messages(telegram, "Shared")) >= 19, "the other 19 messages")
            # A second delivery, as another process runs it, finds every row taken and waits for the campaign's end.
            other = DeliveryEngine(app.campaigns.context)
            other.start(campaign.id)
            await asyncio.sleep(1.0)
            assert other.running() == [campaign.id]
            telegram.release_chat(FIRST_TELEGRAM_ID)
            counts = await finished(app, campaign.id)
            # It looks every FINISH_POLL seconds; a busy machine may slow that down, but never to the held row's
            # lease (30 s), which it used to sleep out.
            await until(lambda: not other.running(), "the second delivery to stop", timeout=10 * FINISH_POLL)
            await other.stop()
        assert counts[RecipientStatus.SENT] == 20


class TestClosing:
    async def test_an_app_fed_updates_without_polling_stops_its_deliveries_when_closed(
        self,
        telegram: FakeTelegram,
        database_url: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        tmp_path: Path,
    ) -> None:
        # Such an app never runs the dispatcher's shutdown (the tests' stepper feeds it updates one by one).
        app = await App.create(bot_settings(telegram, database_url, programme_file=programme_file(tmp_path)))
        await seed(app, 200)
        campaign = await launch(app, CampaignDraft("all", "Closing"))
        await app.close()
        after_close = len(telegram.sent)
        await asyncio.sleep(1.0)
        assert telegram.sent[after_close:] == []  # nothing goes out through a session opened after the close
        async with transaction(sessionmaker) as session:
            counts = (await progress(session, [campaign.id]))[campaign.id]
        assert counts[RecipientStatus.SENT] + counts[RecipientStatus.PENDING] == 200  # the rest resumes at next start


class TestMarketingRules:
    async def test_members_without_marketing_consent_get_nothing(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=100) as app:
            agreed = await seed(app, 3)
            await seed(app, 3, first_telegram_id=80_000_000, consent=False)
            counts = await finished(app, (await launch(app, CampaignDraft("all", "Only for some"))).id)
        assert counts.audience == len(agreed)
        assert set(per_member(campaign_messages(telegram, "Only for some"))) == {
            FIRST_TELEGRAM_ID + number for number in range(3)
        }

    async def test_the_holdout_group_is_never_sent(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=500) as app:
            await seed(app, 100)
            campaign = await launch(app, CampaignDraft("all", "Some of you", holdout_percent=20))
            counts = await finished(app, campaign.id)
            async with transaction(app.sessionmaker) as session:
                held = set(
                    await session.scalars(
                        select(Member.telegram_id)
                        .join(CampaignRecipient, CampaignRecipient.member_id == Member.id)
                        .where(CampaignRecipient.status == RecipientStatus.HELD_OUT)
                    )
                )
        assert counts[RecipientStatus.HELD_OUT] == len(held) == 20
        assert counts[RecipientStatus.SENT] == 80
        assert not held & set(per_member(campaign_messages(telegram, "Some of you")))

    async def test_quiet_hours_hold_messages_back(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        # Quiet hours from this minute to two minutes on: the campaign starts inside them.
        now = utcnow().astimezone(ZoneInfo("Europe/Moscow"))
        start, end = now.strftime("%H:%M:00"), (now + timedelta(minutes=2)).strftime("%H:%M:00")
        marketing = f"quiet_hours = {{ start = {start}, end = {end} }}\n"
        async with running_bot(telegram, database_url, tmp_path, marketing=marketing, broadcast_rate=100) as app:
            await seed(app, 3)
            campaign = await launch(app, CampaignDraft("all", "Not now"))
            await asyncio.sleep(1.0)
            async with transaction(app.sessionmaker) as session:
                current = await get_campaign(session, campaign.id)
        assert current.status == CampaignStatus.RUNNING
        assert campaign_messages(telegram, "Not now") == []


class TestAutomations:
    async def test_birthday_greetings_go_once_a_day_in_each_members_language(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        greeting = Automation(kind="birthday", text=LocalText(en="Happy birthday!", ru="С днём рождения!"))
        async with running_bot(telegram, database_url, tmp_path, broadcast_rate=100) as app:
            english = await seed(app, 1)
            russian = await seed(app, 1, first_telegram_id=80_000_000, language="ru")
            await seed(app, 1, first_telegram_id=81_000_000)  # no birthday today
            today = clock.business_day(app.programme, utcnow())
            async with transaction(app.sessionmaker) as session:
                birthday = today.replace(year=1990) if (today.month, today.day) != (2, 29) else date(1992, 2, 29)
                await session.execute(
                    update(Member).where(Member.id.in_([*english, *russian])).values(birthday=birthday)
                )
                await session.commit()
            first = await app.campaigns.automations.run(greeting)
            await finished(app, first)
            again = await app.campaigns.automations.run(greeting)
            assert again == first
            await finished(app, again)
        assert [sent.text for sent in telegram.messages_to(FIRST_TELEGRAM_ID)] == ["Happy birthday!"]
        assert [sent.text for sent in telegram.messages_to(80_000_000)] == ["С днём рождения!"]
        assert telegram.messages_to(81_000_000) == []
