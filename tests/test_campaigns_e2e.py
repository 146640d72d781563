"""Managers compose, list, measure and cancel campaigns in Telegram; members receive them; nobody else may."""

from __future__ import annotations

import io
import itertools
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, insert, select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from models.campaigns.records import Campaign, CampaignRecipient, RecipientStatus
from models.core.base import utcnow
from models.core.uow import transaction
from models.points.purchases import Purchase
from models.team.staff import StaffMember
from tests.journeys import press, send
from tests.support.app import OWNER, bot_settings, start_app, stop_app
from tests.support.audiences import FIRST_TELEGRAM_ID, programme_file, seed, set_segment

MESSAGE_IDS = itertools.count(100_000)
CASHIER = FakeUser(id=8103, first_name="Cass")
ADMIN = FakeUser(id=8104, first_name="Ada")


@pytest.fixture
async def app(telegram: FakeTelegram, database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    """The bot with a programme that has no quiet hours, cap or automations, so campaigns go out at once."""
    settings = bot_settings(telegram, database_url, programme_file=programme_file(tmp_path), broadcast_rate=200)
    app, task = await start_app(settings)
    yield app
    await stop_app(app, task)


async def campaigns_stored(app: App) -> int:
    async with transaction(app.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(Campaign)) or 0)


def member_user(number: int) -> int:
    """The Telegram id of the `number`-th member made by `members`."""
    return FIRST_TELEGRAM_ID + number


def campaign_id(answer: Sent) -> int:
    found = re.search(r"#(\d+)", answer.text or "")
    assert found, answer.text
    return int(found.group(1))


def push_formatted(telegram: FakeTelegram, user: FakeUser, text: str, entities: list[dict[str, object]]) -> None:
    """A message with formatting (bold, links...), as Telegram delivers it: plain text plus entities."""
    command = {"type": "bot_command", "offset": 0, "length": text.index(" ")}
    sender = {"id": user.id, "is_bot": False, "first_name": user.first_name, "language_code": user.language_code}
    message = {
        "message_id": next(MESSAGE_IDS),
        "from": sender,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "date": int(time.time()),
        "text": text,
        "entities": [command, *entities],
    }
    telegram.push_update({"message": message})


async def finished_report(telegram: FakeTelegram, after: int = 0) -> Sent:
    return await telegram.wait_for(OWNER.id, contains="has finished", after=after, timeout=20)


class TestOneLine:
    async def test_a_campaign_now_reaches_every_member_and_its_author_hears_how_it_went(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        await seed(app, 3)
        text = "/campaign all now | Fresh croissants today!"
        bold = {"type": "bold", "offset": text.index("Fresh"), "length": len("Fresh")}
        mark = len(telegram.sent)
        push_formatted(telegram, OWNER, text, [bold])
        answer = await telegram.wait_for(OWNER.id, after=mark)
        assert "is starting now" in (answer.text or "")
        report = await finished_report(telegram)
        assert "Sent: 3" in (report.text or "")
        for number in range(3):
            [message] = telegram.messages_to(member_user(number))
            assert message.text == "Fresh croissants today!"
            assert message.params["text"].startswith("<b>Fresh</b>")
        listing = await send(telegram, OWNER, "/campaigns")
        assert f"#{campaign_id(answer)} · ✅ done · all" in (listing.text or "")
        assert "3 of 3 done: 3 sent" in (listing.text or "")

    async def test_a_later_campaign_with_an_offer_and_a_control_group_waits_for_its_time(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        ids = await seed(app, 4)
        async with transaction(app.sessionmaker) as session:
            await set_segment(session, ids, "at_risk")
        answer = await send(
            telegram, OWNER, "/campaign at_risk 2099-12-01 10:00 offer=comeback_20 holdout=25 | We miss you"
        )
        assert "is scheduled for 2099-12-01 10:00 (Europe/Moscow)" in (answer.text or "")
        assert app.campaigns.scheduled_at(campaign_id(answer)) is not None
        assert all(not telegram.messages_to(member_user(number)) for number in range(4))

    @pytest.mark.parametrize(
        ("command", "answer"),
        [
            ("/campaign vips now | Hello", 'There is no segment "vips". Use one of: all, champions'),
            ("/campaign all 2020-01-01 10:00 | Hello", "2020-01-01 10:00 has already passed"),
            ("/campaign all now |   ", "The message is empty"),
            (
                "/campaign all now offer=free_lunch | Hello",
                'There is no offer "free_lunch". Use one of: free_cappuccino',
            ),
            ("/campaign all now holdout=60 | Hello", "from 0 to 50 percent, not 60"),
            ("/campaign all now holdout=many | Hello", "whole number from 0 to 50"),
            ("/campaign all tomorrow | Hello", '"tomorrow" is not a time I understand'),
            ("/campaign all now colour=red | Hello", 'I don\'t know the option "colour=red"'),
            ("/campaign all now Hello", "In one line:"),
        ],
    )
    async def test_each_mistake_gets_a_precise_answer_and_nothing_is_stored(
        self, app: App, telegram: FakeTelegram, command: str, answer: str
    ) -> None:
        reply = await send(telegram, OWNER, command)
        assert answer in (reply.text or "")
        assert await campaigns_stored(app) == 0

    async def test_a_free_offer_brings_each_member_a_coupon_code(self, app: App, telegram: FakeTelegram) -> None:
        await seed(app, 2)
        answer = await send(telegram, OWNER, "/campaign all now offer=croissant_gift | Breakfast time")
        await finished_report(telegram)
        codes = set()
        for number in range(2):
            [message] = telegram.messages_to(member_user(number))
            assert "🎁 A fresh croissant with your coffee" in (message.text or "")
            found = re.search(r"Your coupon code: (\w{4}-\w{4}), valid until", message.text or "")
            assert found, message.text
            codes.add(found.group(1))
        assert len(codes) == 2
        stats = await send(telegram, OWNER, f"/campaign_stats {campaign_id(answer)}")
        assert "Coupons: 2 issued, 0 redeemed" in (stats.text or "")


class TestGuided:
    async def test_step_by_step_with_a_photo_preview_and_confirmation(self, app: App, telegram: FakeTelegram) -> None:
        await seed(app, 2)
        question = await send(telegram, OWNER, "/campaign")
        assert "step 1 of 5" in (question.text or "")
        assert question.button("all · 2")
        await press(telegram, OWNER, question, "all · 2")
        asked_text = await telegram.wait_for(OWNER.id, contains="Step 2 of 5", after=len(telegram.sent) - 1)
        mark = len(telegram.sent)
        telegram.push_photo(OWNER, "New autumn menu")
        offers = await telegram.wait_for(OWNER.id, contains="Step 3 of 5", after=mark)
        assert asked_text.message_id < offers.message_id
        mark = len(telegram.sent)
        await press(telegram, OWNER, offers, "A cappuccino on us")
        when = await telegram.wait_for(OWNER.id, contains="Step 4 of 5", after=mark)
        mark = len(telegram.sent)
        await press(telegram, OWNER, when, "Now")
        holdout = await telegram.wait_for(OWNER.id, contains="Step 5 of 5", after=mark)
        mark = len(telegram.sent)
        await press(telegram, OWNER, holdout, "0%")
        summary = await telegram.wait_for(OWNER.id, contains="Ready to go", after=mark)
        preview = next(sent for sent in telegram.messages_to(OWNER.id) if sent.method == "sendPhoto")
        assert "Audience: all (2 members)" in (summary.text or "")
        assert "Offer: A cappuccino on us" in (summary.text or "")
        assert await campaigns_stored(app) == 0
        mark = len(telegram.sent)
        await press(telegram, OWNER, summary, "Confirm")
        await telegram.wait_for(OWNER.id, contains="is starting now", after=mark)
        await finished_report(telegram, after=mark)
        for number in range(2):
            [received] = telegram.messages_to(member_user(number))
            assert received.method == "sendPhoto"
            assert received.params["photo"] == preview.params["photo"]
            assert (received.text or "").startswith("New autumn menu\n\n🎁 A cappuccino on us")
            assert (preview.text or "").startswith("New autumn menu\n\n🎁 A cappuccino on us")

    async def test_a_wrong_answer_is_explained_and_the_question_stays_open(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        await send(telegram, OWNER, "/campaign")
        refused = await send(telegram, OWNER, "vips")
        assert 'There is no segment "vips"' in (refused.text or "")
        assert "Step 2 of 5" in ((await send(telegram, OWNER, "loyal")).text or "")
        await send(telegram, OWNER, "Hello")
        await send(telegram, OWNER, "free_cappuccino")
        assert "is not a time I understand" in ((await send(telegram, OWNER, "soon")).text or "")
        assert "has already passed" in ((await send(telegram, OWNER, "2020-01-01 10:00")).text or "")
        assert "Step 5 of 5" in ((await send(telegram, OWNER, "2099-01-01 10:00")).text or "")

    async def test_cancelling_the_draft_sends_nothing(self, app: App, telegram: FakeTelegram) -> None:
        await seed(app, 1)
        question = await send(telegram, OWNER, "/campaign")
        mark = len(telegram.sent)
        await press(telegram, OWNER, question, "Cancel")
        assert await telegram.wait_for(OWNER.id, contains="Nothing was sent", after=mark)
        assert "don't know that command" not in ((await send(telegram, OWNER, "all")).text or "")
        assert await campaigns_stored(app) == 0


class TestStatsAndCancel:
    async def test_stats_compare_recipients_with_the_control_group_and_draw_the_chart(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        await seed(app, 20)
        answer = await send(telegram, OWNER, "/campaign all now holdout=50 | Come back")
        await finished_report(telegram)
        number = campaign_id(answer)
        async with transaction(app.sessionmaker) as session:
            rows = (await session.execute(select(CampaignRecipient.member_id, CampaignRecipient.status))).all()
            sent = [member for member, status in rows if status == RecipientStatus.SENT]
            held = [member for member, status in rows if status == RecipientStatus.HELD_OUT]
            now = utcnow()
            buyers = [(member, 50_000) for member in sent[:5]] + [(held[0], 20_000)]
            await session.execute(
                insert(Purchase),
                [{"member_id": member, "amount_cents": cents, "created_at": now} for member, cents in buyers],
            )
            await session.commit()
        text = (await send(telegram, OWNER, f"/campaign_stats {number}")).text or ""
        assert "Delivered: 10" in text
        assert "Held out (control group): 10" in text
        assert "Recipients: 50.0% bought, 250 RUB per member" in text
        assert "Control group: 10.0% bought, 20 RUB per member" in text
        assert "Difference: +40.0 percentage points, +230 RUB per member" in text
        chart = await telegram.wait_for(OWNER.id, method="sendPhoto")
        assert Image.open(io.BytesIO(chart.file_bytes or b"")).size == (800, 450)

    async def test_a_scheduled_campaign_can_be_cancelled_once(self, app: App, telegram: FakeTelegram) -> None:
        await seed(app, 2)
        number = campaign_id(await send(telegram, OWNER, "/campaign all 2099-01-01 10:00 | Later"))
        assert f"Campaign #{number} is cancelled" in (
            (await send(telegram, OWNER, f"/campaign_cancel {number}")).text or ""
        )
        assert app.campaigns.scheduled_at(number) is None
        again = await send(telegram, OWNER, f"/campaign_cancel {number}")
        assert "is already cancelled" in (again.text or "")
        assert "There is no campaign #99" in ((await send(telegram, OWNER, "/campaign_stats 99")).text or "")
        assert "like /campaign_cancel 12" in ((await send(telegram, OWNER, "/campaign_cancel")).text or "")


class TestWhoMayUseThem:
    @pytest.mark.parametrize("command", ["/campaign all now | Hi", "/campaign", "/campaigns", "/campaign_cancel 1"])
    async def test_cashiers_and_customers_are_refused(self, app: App, telegram: FakeTelegram, command: str) -> None:
        customer = FakeUser(id=member_user(0), first_name="Carl")
        await seed(app, 1)
        async with transaction(app.sessionmaker) as session:
            session.add(StaffMember(telegram_id=CASHIER.id, role="cashier", added_by=OWNER.id, added_at=utcnow()))
            await session.commit()
        assert "Your role (cashier) cannot do this" in ((await send(telegram, CASHIER, command)).text or "")
        assert "This command is for staff only" in ((await send(telegram, customer, command)).text or "")
        assert await campaigns_stored(app) == 0
        assert len(telegram.messages_to(customer.id)) == 1

    async def test_an_admin_may(self, app: App, telegram: FakeTelegram) -> None:
        async with transaction(app.sessionmaker) as session:
            session.add(StaffMember(telegram_id=ADMIN.id, role="admin", added_by=OWNER.id, added_at=utcnow()))
            await session.commit()
        assert "No campaigns yet" in ((await send(telegram, ADMIN, "/campaigns")).text or "")
