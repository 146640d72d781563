"""The till end to end over the fake Bot API: a cashier scans a card and records a sale, members hear of every entry,
replays and repeated receipts credit once, bad input and stale buttons get clear answers, roles are enforced."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from handlers.callbacks import PanelAction, PanelButton
from handlers.commands import STAFF_COMMANDS
from models.core import clock
from models.core.base import utcnow
from models.core.uow import transaction
from models.core.updates import HandledUpdate
from models.members.numbers import shown
from models.members.registry import Member
from models.points import ledger
from models.points.ledger import LedgerEntry
from models.points.purchases import Purchase
from models.team.audit import AuditEvent
from scheduler.nightly_expiry import expire_points
from scheduler.runner import DAILY_JOBS
from tests.journeys import answer_to, eventually, join, press, send
from tests.support.app import OWNER
from tests.support.members import enrol_member
from tests.test_enrolment_e2e import decode_qr

ANNA = FakeUser(id=5001, first_name="Anna", language_code="en")
CASHIER = FakeUser(id=7001, first_name="Carl", language_code="en")


async def counts(app: App) -> tuple[int, int, int]:
    """Ledger entries, audit lines and the sum of balances: what must not move when a request is refused."""
    async with transaction(app.sessionmaker) as session:
        entries = await session.scalar(select(func.count()).select_from(LedgerEntry))
        audits = await session.scalar(select(func.count()).select_from(AuditEvent))
        points = await session.scalar(select(func.coalesce(func.sum(Member.balance), 0)))
    return int(entries or 0), int(audits or 0), int(points or 0)


async def balance_of(app: App, member: int) -> int:
    async with transaction(app.sessionmaker) as session:
        return int(await session.scalar(select(Member.balance).where(Member.id == member)) or 0)


async def appoint_cashier(telegram: FakeTelegram) -> None:
    """The owner appoints the cashier, who is welcomed (through the outbox, just after the owner's answer)."""
    mark = len(telegram.sent)
    answer = await send(telegram, OWNER, f"/staff add {CASHIER.id} cashier")
    assert f"User {CASHIER.id} is now a cashier" in (answer.text or "")
    await telegram.wait_for(CASHIER.id, contains="You are now a cashier", after=mark)


async def scan_card(telegram: FakeTelegram, customer: FakeUser, staff: FakeUser) -> Sent:
    """The customer shows /card; the staff member's phone camera opens its link in the bot."""
    link = decode_qr((await send(telegram, customer, "/card")).file_bytes or b"")
    return await send(telegram, staff, f"/start {link.split('start=')[1]}", expect="Member")


async def card_until(telegram: FakeTelegram, member: int, showing: str) -> str:
    """The member's card as the owner sees it, once it shows `showing` (analytics follow just after the answer)."""

    async def card() -> str | None:
        text = (await send(telegram, OWNER, f"/member {shown(member)}")).text or ""
        return text if showing in text else None

    return await eventually(card, f"the member's card never showed {showing!r}")


def push_under(telegram: FakeTelegram, user: FakeUser, text: str, update_id: int, message_id: int) -> None:
    """A new message delivered under a chosen update id, as when Telegram restarts update ids after a week."""
    sender: dict[str, Any] = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    message = {
        "message_id": message_id,
        "from": sender,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "date": int(time.time()),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    telegram.push_update({"message": message}, update_id=update_id)


class TestCashierAtTheTill:
    async def test_scanned_card_opens_the_panel_and_records_a_sale(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)
        number = await join(telegram, ANNA, phone="+7 900 123-45-67")
        panel = await scan_card(telegram, ANNA, CASHIER)
        text = panel.text or ""
        assert f"Member №{shown(number)}" in text
        assert "+7 *** ***-45-67" in text
        assert "Balance: 100 points" in text
        mark = len(telegram.sent)
        await press(telegram, CASHIER, panel, "Sale")
        question = await telegram.wait_for(CASHIER.id, after=mark)
        assert "Amount of the sale" in (question.text or "")
        recorded = await send(telegram, CASHIER, "450,50 coffee #A-1", expect="recorded")
        assert f"Sale of 450.50 RUB recorded for member №{shown(number)}, receipt #A-1: +22 points" in (
            recorded.text or ""
        )
        notice = await telegram.wait_for(ANNA.id, contains="+22 points")
        assert "Purchase (#A-1). Balance: 122 points." in (notice.text or "")
        assert notice.button("This wasn't me")
        assert await balance_of(app, number) == 122

    async def test_member_who_blocked_the_bot_still_earns(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        telegram.block_user(ANNA.id)
        answer = await send(telegram, OWNER, f"/sale {shown(number)} 1000")
        assert "+50 points" in (answer.text or "")
        await telegram.wait_idle()
        assert await balance_of(app, number) == 150

    async def test_owner_sees_the_full_phone_and_purchases(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA, phone="+7 900 123-45-67")
        await send(telegram, OWNER, f"/sale {shown(number)} 1000 tea #B-7", expect="recorded")
        card = (await send(telegram, OWNER, "/member +7 900 123-45-67")).text or ""
        assert "Phone: +79001234567" in card
        assert "Spent: 1 000 RUB in 1 purchase" in card
        assert "1 000 RUB, Tea, #B-7" in card

    async def test_redeem_and_refund_from_commands(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)
        number = await join(telegram, ANNA)
        await send(telegram, CASHIER, f"/sale {shown(number)} 2000 #R-1", expect="recorded")
        spent = await send(telegram, CASHIER, f"/redeem {shown(number)} 150")
        assert "150 points spent" in (spent.text or "")
        assert "Balance: 50 points" in (spent.text or "")
        back = (await send(telegram, CASHIER, "/refund #R-1")).text or ""
        assert "50 points taken back" in back
        assert "had already spent 50 points" in back
        assert await balance_of(app, number) == 0
        again = await send(telegram, CASHIER, "/refund #R-1")
        assert "refunded before" in (again.text or "")

    async def test_a_refunded_purchase_leaves_the_members_analytics(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        await send(telegram, OWNER, f"/sale {shown(number)} 1000 tea #T-1", expect="recorded")
        await card_until(telegram, number, "R5 F5 M5")
        await send(telegram, OWNER, "/refund #T-1", expect="taken back")
        card = await card_until(telegram, number, "R0 F0 M0")
        assert "Spent: 0 RUB in 0 purchases" in card

    async def test_member_flags_an_entry_and_owner_sees_it(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)
        number = await join(telegram, ANNA)
        await send(telegram, CASHIER, f"/sale {shown(number)} 800", expect="recorded")
        notice = await telegram.wait_for(ANNA.id, contains="+40 points")
        first = telegram.push_callback(ANNA, notice, notice.button("This wasn't me")["callback_data"])
        second = telegram.push_callback(ANNA, notice, notice.button("This wasn't me")["callback_data"])
        answers = [await answer_to(telegram, tap) for tap in (first, second)]
        assert sum("told the owner" in answer for answer in answers) == 1
        assert sum("already reported" in answer for answer in answers) == 1
        flags = (await send(telegram, OWNER, "/flags")).text or ""
        assert f"member №{shown(number)}, +40 Purchase, by {CASHIER.id}" in flags

    async def test_history_pages_newest_first(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        for receipt in range(9):
            await send(telegram, OWNER, f"/sale {shown(number)} {100 + receipt} #H-{receipt}", expect="recorded")
        first = await send(telegram, ANNA, "/history", expect="page 1")
        text = first.text or ""
        assert "page 1 of 2" in text
        assert text.index("#H-8") < text.index("#H-7")
        mark = len(telegram.sent)
        await press(telegram, ANNA, first, "Older")
        older = await telegram.wait_for(ANNA.id, after=mark, method="editMessageText")
        assert "Welcome bonus" in (older.text or "")
        assert "page 2 of 2" in (older.text or "")


class TestNothingTwice:
    async def test_repeated_receipt_credits_once(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        await send(telegram, OWNER, f"/sale {shown(number)} 1000 #A-1", expect="recorded")
        again = await send(telegram, OWNER, f"/sale {shown(number)} 1000 #A-1")
        assert "Already recorded" in (again.text or "")
        assert await balance_of(app, number) == 150

    async def test_replayed_update_credits_once_and_says_nothing_new(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        command = f"/sale {shown(number)} 1000"
        update_id = telegram.push_text(OWNER, command)
        await telegram.wait_for(OWNER.id, contains="recorded")
        await telegram.wait_for(ANNA.id, contains="+50")
        mark = len(telegram.sent)
        telegram.replay(update_id)  # Telegram hands the update out again, as after a lost getUpdates answer
        await send(telegram, OWNER, "/help", expect="Here is what I can do")  # answered after the copy was seen
        await telegram.wait_idle()
        assert [sent.text for sent in telegram.sent[mark:] if "recorded" in (sent.text or "")] == []
        assert [sent for sent in telegram.sent[mark:] if sent.chat_id == ANNA.id] == []
        assert await balance_of(app, number) == 150

    async def test_a_panel_question_answered_twice_records_one_sale(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)
        number = await join(telegram, ANNA)
        panel = await send(telegram, CASHIER, f"/member {shown(number)}")
        mark = len(telegram.sent)
        await press(telegram, CASHIER, panel, "Sale")
        await telegram.wait_for(CASHIER.id, contains="Amount of the sale", after=mark)
        mark = len(telegram.sent)
        telegram.push_text(CASHIER, "450")  # a double tap on "send", or the answer typed again
        telegram.push_text(CASHIER, "450")
        await telegram.wait_for(CASHIER.id, contains="Already recorded", after=mark)
        assert sum("Sale of 450" in (sent.text or "") for sent in telegram.sent[mark:]) == 1
        assert await balance_of(app, number) == 122
        async with app.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Purchase)) == 1

    async def test_sales_keep_their_keys_when_update_ids_start_again(self, app: App, telegram: FakeTelegram) -> None:
        """Telegram restarts update ids after a week without updates: a new sale under an old id is a new sale."""
        number = await join(telegram, ANNA)
        push_under(telegram, OWNER, f"/sale {shown(number)} 1000", 700_001, message_id=80_001)
        await telegram.wait_for(OWNER.id, contains="recorded")
        push_under(telegram, OWNER, f"/redeem {shown(number)} 10", 700_002, message_id=80_002)
        await telegram.wait_for(OWNER.id, contains="10 points spent")
        async with app.sessionmaker() as session:  # a week on: the records of handled updates are long pruned
            await session.execute(delete(HandledUpdate))
            await session.commit()
        mark = len(telegram.sent)
        push_under(telegram, OWNER, f"/sale {shown(number)} 2000", 700_001, message_id=80_003)
        assert "Sale of 2 000" in ((await telegram.wait_for(OWNER.id, after=mark)).text or "")
        mark = len(telegram.sent)
        push_under(telegram, OWNER, f"/redeem {shown(number)} 20", 700_002, message_id=80_004)
        assert "20 points spent" in ((await telegram.wait_for(OWNER.id, after=mark)).text or "")
        assert await balance_of(app, number) == 100 + 50 - 10 + 100 - 20


class TestBadInput:
    async def test_malformed_amounts_get_an_example(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        before = await counts(app)
        for amount in ("abc", "-5", "0", "450.505", "1000000"):
            answer = await send(telegram, OWNER, f"/sale {shown(number)} {amount}")
            assert "450.50" in (answer.text or ""), amount
        usage = await send(telegram, OWNER, "/sale")
        assert f"Example: /sale {shown(104)} 450.50" in (usage.text or "")
        assert await counts(app) == before

    async def test_unknown_members_and_categories_are_named(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        nobody = shown(4242)
        assert f"No member found for {nobody}" in ((await send(telegram, OWNER, f"/sale {nobody} 100")).text or "")
        assert "No member found for +79990001122" in ((await send(telegram, OWNER, "/member +79990001122")).text or "")
        answer = (await send(telegram, OWNER, f"/sale {shown(number)} 100 pizza")).text or ""
        assert "coffee, tea, pastry" in answer
        assert "No sale with receipt #Z-9" in ((await send(telegram, OWNER, "/refund #Z-9")).text or "")

    async def test_a_mistyped_member_number_reaches_nobody(self, app: App, telegram: FakeTelegram) -> None:
        async with transaction(app.sessionmaker) as session:
            for n in range(21):
                await enrol_member(session, app.programme, 6000 + n, now=utcnow())
            await session.commit()
        meant = shown(21)
        swapped = meant[1] + meant[0] + meant[2:]  # member 12's digits with member 21's check digit
        bare = str(12)  # member 12 without the check digit
        undashed = meant.replace("-", "")  # 210: member 21 with the dash left out, or a bare 210
        before = await counts(app)
        for typed in (swapped, bare, undashed):
            answer = (await send(telegram, OWNER, f"/sale {typed} 500")).text or ""
            assert "Check the number" in answer, typed
        assert await counts(app) == before
        assert "Sale of 500" in ((await send(telegram, OWNER, f"/sale {meant} 500")).text or "")

    async def test_old_panel_buttons_are_refused(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)
        number = await join(telegram, ANNA)
        panel = await send(telegram, CASHIER, f"/member {shown(number)}")
        old = PanelButton(action=PanelAction.SALE, member=number, at=int(time.time() // 60) - 600).pack()
        update_id = telegram.push_callback(CASHIER, panel, old)
        assert "panel is old" in await answer_to(telegram, update_id)

    async def test_panel_of_a_dismissed_cashier_is_stale(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)
        number = await join(telegram, ANNA)
        panel = await send(telegram, CASHIER, f"/member {shown(number)}")
        await send(telegram, OWNER, f"/staff remove {CASHIER.id} cashier", expect="no longer")
        update_id = telegram.push_callback(CASHIER, panel, panel.button("Sale")["callback_data"])
        assert "no longer active" in await answer_to(telegram, update_id)

    async def test_cashier_over_the_limit_is_refused_and_owner_told(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)
        number = await join(telegram, ANNA)
        answer = await send(telegram, CASHIER, f"/sale {shown(number)} 25000")
        assert "up to 20,000" in (answer.text or "")
        report = await telegram.wait_for(OWNER.id, contains="was refused")
        assert f"Staff member {CASHIER.id} was refused: a sale of 25000" in (report.text or "")
        assert await balance_of(app, number) == 100


class TestRoles:
    async def test_customer_is_refused_every_staff_command(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        before = await counts(app)
        for name in STAFF_COMMANDS:
            answer = await send(telegram, ANNA, f"/{name} {number} 100")
            assert "for staff only" in (answer.text or ""), name
        assert await counts(app) == before

    async def test_cashier_cannot_manage_staff_or_read_flags(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)
        before = await counts(app)
        for command in (f"/staff add {CASHIER.id} admin", "/flags"):
            answer = await send(telegram, CASHIER, command)
            assert "Your role (cashier) cannot do this" in (answer.text or ""), command
        assert await counts(app) == before

    async def test_owners_get_their_menu_at_start(self, app: App, telegram: FakeTelegram) -> None:
        await send(telegram, OWNER, "/help")  # answered once the bot has started
        menu = {command["command"] for command in telegram.commands_for({"type": "chat", "chat_id": OWNER.id})}
        assert set(STAFF_COMMANDS) <= menu

    async def test_appointed_cashier_gets_a_staff_menu(self, app: App, telegram: FakeTelegram) -> None:
        await appoint_cashier(telegram)  # the welcome is sent once the menu is set
        menu = {command["command"] for command in telegram.commands_for({"type": "chat", "chat_id": CASHIER.id})}
        assert {"sale", "redeem", "refund", "member"} <= menu
        assert "staff" not in menu


class TestExpiryJob:
    async def test_daily_job_expires_old_points_and_tells_the_member(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        long_ago = utcnow() - timedelta(days=400)
        async with transaction(app.sessionmaker) as session:
            await ledger.credit(
                session,
                member_id=number,
                points=30,
                kind="sale",
                reason="",
                key="old-lot",
                now=long_ago,
                zone=clock.zone(app.programme),
                expires_at=long_ago + timedelta(days=365),
            )
            await session.commit()
        assert "expire-points" in {job.id for job in DAILY_JOBS}
        await expire_points(app.jobs)
        notice = await telegram.wait_for(ANNA.id, contains="Expired")
        assert "30 points: Expired" in (notice.text or "")
        assert notice.button("This wasn't me")
        assert await balance_of(app, number) == 100
