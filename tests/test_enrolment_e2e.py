"""Enrolment, the card and the balance, driven over HTTP through the fake Bot API server."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core.base import utcnow
from models.core.clock import business_day
from models.core.uow import transaction
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.members.registry import Member
from models.points.ledger import LedgerEntry
from tests.journeys import answer_to, join, press, send
from tests.support.app import OWNER, bot_settings, start_app, stop_app
from tests.support.members import enrol_member

ANNA = FakeUser(id=5001, first_name="Anna", language_code="en")
BORIS = FakeUser(id=5002, first_name="Борис", language_code="ru")


async def member_row(app: App, telegram_id: int) -> Member | None:
    async with transaction(app.sessionmaker) as session:
        return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


async def ledger_rows(app: App) -> int:
    async with transaction(app.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the card image"
    return str(results[0].text)


class TestJoining:
    async def test_join_with_phone_credits_welcome_bonus(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA, phone="+7 900 123-45-67")
        member = await member_row(app, ANNA.id)
        assert member is not None
        assert member.id == number
        assert member.phone == "+79001234567"
        assert member.marketing_consent
        assert member.balance == app.programme.bonuses.welcome
        texts = [sent.text or "" for sent in telegram.messages_to(ANNA.id)]
        assert any("We have added 100 welcome points" in text for text in texts)
        assert texts[-1].startswith("Thank you, your phone number is saved")

    async def test_join_without_phone_or_marketing(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA, marketing=False)
        member = await member_row(app, ANNA.id)
        assert member is not None
        assert member.phone is None
        assert not member.marketing_consent
        assert member.marketing_consent_at is not None

    async def test_refusing_consent_stores_nothing(self, app: App, telegram: FakeTelegram) -> None:
        consent = await send(telegram, ANNA, "/start", expect="agree")
        mark = len(telegram.sent)
        await press(telegram, ANNA, consent, "No, thanks")
        declined = await telegram.wait_for(ANNA.id, after=mark)
        assert "nothing about you was stored" in (declined.text or "")
        assert await member_row(app, ANNA.id) is None
        assert await ledger_rows(app) == 0

    async def test_start_again_greets_and_never_pays_twice(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        again = await send(telegram, ANNA, "/start")
        assert "Welcome back, Anna" in (again.text or "")
        assert await ledger_rows(app) == 1

    async def test_double_tap_on_agree_enrols_once(self, app: App, telegram: FakeTelegram) -> None:
        consent = await send(telegram, ANNA, "/start", expect="agree")
        taps = [await press(telegram, ANNA, consent, "agree") for _ in range(2)]
        for update_id in taps:
            await answer_to(telegram, update_id)  # each tap is answered once its enrolment is committed
        assert await ledger_rows(app) == 1

    async def test_referral_link_records_the_inviter(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        anna = await member_row(app, ANNA.id)
        assert anna is not None
        await join(telegram, BORIS, payload=f"ref_{anna.referral_code}")
        boris = await member_row(app, BORIS.id)
        assert boris is not None
        assert boris.referred_by_id == anna.id

    async def test_russian_speaker_is_answered_in_russian(self, app: App, telegram: FakeTelegram) -> None:
        consent = await send(telegram, BORIS, "/start")
        assert "Добро пожаловать" in (consent.text or "")
        assert consent.button("Согласен")


class TestCard:
    async def test_card_qr_decodes_to_a_deep_link_that_opens_the_panel_for_staff(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        number = await join(telegram, ANNA)
        card = await send(telegram, ANNA, "/card")
        assert card.method == "sendPhoto"
        assert card.file_bytes is not None
        link = decode_qr(card.file_bytes)
        prefix = f"https://t.me/{telegram.bot_username}?start="
        assert link.startswith(prefix)
        panel = await send(telegram, OWNER, f"/start {link.removeprefix(prefix)}")
        assert shown(number) in (panel.text or "")

    async def test_someone_elses_card_is_not_theirs(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        link = decode_qr((await send(telegram, ANNA, "/card")).file_bytes or b"")
        token = link.split("start=")[1]
        answer = await send(telegram, BORIS, f"/start {token}")
        assert "не ваша карта" in (answer.text or "")

    async def test_expired_and_tampered_tokens_are_refused(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        signer = app.cards
        old = signer.issue(number, utcnow() - timedelta(minutes=30))
        assert "expired" in ((await send(telegram, OWNER, f"/start {old}")).text or "")
        fresh = signer.issue(number, utcnow())
        tampered = fresh[:-3] + ("AAA" if not fresh.endswith("AAA") else "BBB")
        assert "not valid" in ((await send(telegram, OWNER, f"/start {tampered}")).text or "")

    async def test_a_card_outlives_a_new_bot_token(self, database_url: str) -> None:
        async with FakeTelegram(token="111111:OLD-TOKEN-abcdefghijklmnopqrstuvwxyz0") as before:
            app, polling = await start_app(bot_settings(before, database_url))
            number = await join(before, ANNA)
            link = decode_qr((await send(before, ANNA, "/card")).file_bytes or b"")
            await stop_app(app, polling)
        async with FakeTelegram(token="222222:NEW-TOKEN-abcdefghijklmnopqrstuvwxyz0", first_update_id=1000) as after:
            app, polling = await start_app(bot_settings(after, database_url))
            panel = await send(after, OWNER, f"/start {link.split('start=')[1]}")
            await stop_app(app, polling)
        assert f"Member №{shown(number)}" in (panel.text or "")

    async def test_a_card_signed_with_a_key_from_the_bot_token_is_refused(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        number = await join(telegram, ANNA)
        token = telegram.token.encode()
        for key in (token, hashlib.sha256(b"loyalty-card-token:" + token).digest()):  # the old derivation
            forged = CardSigner(key).issue(number, utcnow())
            assert "not valid" in ((await send(telegram, OWNER, f"/start {forged}")).text or "")


class TestBalance:
    async def test_balance_shows_points_tier_progress_and_expiry(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        text = (await send(telegram, ANNA, "/balance")).text or ""
        assert "You have 100 points" in text
        assert "Tier: Bronze" in text
        assert "Spend 10 000 RUB more to reach Silver" in text
        expiry = business_day(app.programme, utcnow() + timedelta(days=app.programme.expiry.days))
        assert f"Next to expire: 100 points on {expiry:%-d %b %Y}" in text

    async def test_the_expiry_date_is_the_shops_day(self, app: App, telegram: FakeTelegram) -> None:
        """Points earned late in the evening by UTC, already the next morning in the shop's zone (the sample's is
        Moscow), expire on the shop's date."""
        now = utcnow()
        evening = now.replace(hour=22, minute=30, second=0, microsecond=0)
        if evening > now:
            evening -= timedelta(days=1)
        async with transaction(app.sessionmaker) as session:
            await enrol_member(session, app.programme, ANNA.id, first_name=ANNA.first_name, now=evening)
        expires = evening + timedelta(days=app.programme.expiry.days)
        shops_day = business_day(app.programme, expires)
        assert shops_day != expires.date()  # what this test is about: the two dates differ
        text = (await send(telegram, ANNA, "/balance")).text or ""
        assert f"Next to expire: 100 points on {shops_day:%-d %b %Y}" in text

    async def test_menu_button_works_like_the_command(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        text = (await send(telegram, ANNA, "⭐ Balance")).text or ""
        assert "100 points" in text


class TestBadInput:
    async def test_unknown_command_and_random_text(self, app: App, telegram: FakeTelegram) -> None:
        assert "don't know that command" in ((await send(telegram, ANNA, "/frobnicate")).text or "")
        assert "not a member yet" in ((await send(telegram, ANNA, "hello?")).text or "")
        await join(telegram, ANNA)
        assert "didn't understand" in ((await send(telegram, ANNA, "hello?")).text or "")

    async def test_member_commands_ask_strangers_to_join(self, app: App, telegram: FakeTelegram) -> None:
        assert "/start" in ((await send(telegram, ANNA, "/balance")).text or "")
        assert await member_row(app, ANNA.id) is None

    async def test_forged_callback_data_is_answered_and_changes_nothing(self, app: App, telegram: FakeTelegram) -> None:
        consent = await send(telegram, ANNA, "/start", expect="agree")
        update_id = telegram.push_callback(ANNA, consent, "consent:maybe:xx")
        assert "no longer active" in await answer_to(telegram, update_id)
        assert await member_row(app, ANNA.id) is None

    async def test_someone_elses_contact_is_refused(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        mark = len(telegram.sent)
        telegram.push_contact(ANNA, "+7 911 000-00-00", contact_user_id=777)
        answer = await telegram.wait_for(ANNA.id, after=mark)
        assert "your own contact" in (answer.text or "")
        member = await member_row(app, ANNA.id)
        assert member is not None
        assert member.phone is None

    async def test_staff_command_from_a_customer_is_refused(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        assert "for staff only" in ((await send(telegram, ANNA, "/sale 1 100")).text or "")


class TestMenu:
    async def test_commands_menu_is_published_in_both_languages(self, app: App, telegram: FakeTelegram) -> None:
        await send(telegram, ANNA, "/help")
        english = [c["command"] for c in telegram.commands_for(language_code="en")]
        russian = {c["command"]: c["description"] for c in telegram.commands_for(language_code="ru")}
        assert english[:3] == ["start", "card", "balance"]
        assert russian["balance"] == "Мои баллы и уровень"

    async def test_help_lists_customer_commands_and_staff_commands_only_for_staff(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        customer_help = (await send(telegram, ANNA, "/help")).text or ""
        assert "/card — Show my member card" in customer_help
        assert "/sale" not in customer_help
        owner_help = (await send(telegram, OWNER, "/help")).text or ""
        assert "/sale" in owner_help
        assert "/staff" in owner_help
