"""A member's rights over their data, driven over HTTP through the fake Bot API: new terms, /stop, /mydata, /forget."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.check import check
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core.uow import transaction
from models.members.numbers import shown
from models.members.registry import ConsentEvent, Member
from models.points.ledger import LedgerEntry
from tests.dbstate import find_values
from tests.journeys import join, send, tap
from tests.support.app import OWNER, bot_settings, sample_without_automations, start_app, stop_app
from tests.support.audiences import programme_file
from tests.test_enrolment_e2e import member_row

ZINA = FakeUser(id=7001, first_name="Zinaida", last_name="Kuznetsova", username="zina_private", language_code="en")
BORIS = FakeUser(id=7002, first_name="Борис", language_code="ru")
PHONE = "+7 916 555-43-21"
STORED_PHONE = "+79165554321"


async def consents(app: App, member_id: int) -> list[tuple[str, str, bool]]:
    async with transaction(app.sessionmaker) as session:
        rows = await session.execute(
            select(ConsentEvent.purpose, ConsentEvent.version, ConsentEvent.granted)
            .where(ConsentEvent.member_id == member_id)
            .order_by(ConsentEvent.id)
        )
        return [(purpose, version, granted) for purpose, version, granted in rows]


class TestStop:
    async def test_stop_withdraws_marketing_in_one_step_and_records_it(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ZINA, marketing=True)
        await send(telegram, ZINA, "/stop", expect="no more promotional messages")
        member = await member_row(app, ZINA.id)
        assert member is not None
        assert not member.marketing_consent
        assert (await consents(app, number))[-1] == ("marketing", app.programme.consent_version, False)
        again = await send(telegram, ZINA, "/stop")
        assert "already off" in (again.text or "")
        assert len(await consents(app, number)) == 3

    async def test_strangers_are_asked_to_join_first(self, app: App, telegram: FakeTelegram) -> None:
        for command in ("/stop", "/mydata", "/forget", "/settings"):
            assert "not a member yet" in ((await send(telegram, ZINA, command)).text or "")
        assert await member_row(app, ZINA.id) is None


class TestNoCampaignAfterStop:
    async def test_a_member_who_stopped_gets_no_campaign(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        settings = bot_settings(telegram, database_url, programme_file=programme_file(tmp_path))
        app, task = await start_app(settings)
        try:
            await join(telegram, ZINA, marketing=True)
            await join(telegram, BORIS, marketing=True)
            await send(telegram, ZINA, "/stop", expect="no more promotional messages")
            mark = len(telegram.sent)
            await send(telegram, OWNER, "/campaign all now | Fresh croissants today!", expect="starting")
            await telegram.wait_for(OWNER.id, contains="has finished", after=mark, timeout=20)
            assert [s.text for s in telegram.messages_to(BORIS.id)][-1] == "Fresh croissants today!"
            assert [s for s in telegram.sent[mark:] if s.chat_id == ZINA.id] == []
        finally:
            await stop_app(app, task)


class TestMyData:
    async def test_mydata_sends_everything_kept_as_a_json_file(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ZINA, marketing=False, phone=PHONE)
        sent = await send(telegram, ZINA, "/mydata")
        assert sent.method == "sendDocument"
        assert sent.file_name == f"my-data-{shown(number)}.json"
        document = json.loads(sent.file_bytes or b"")
        assert document["member_number"] == shown(number)
        assert document["profile"]["first_name"] == "Zinaida"
        assert document["profile"]["phone"] == STORED_PHONE
        assert [(c["purpose"], c["granted"]) for c in document["consents"]] == [("terms", True), ("marketing", False)]
        assert [(e["kind"], e["amount"]) for e in document["ledger"]] == [("welcome", 100)]
        assert {"purchases", "analytics", "interests"} <= document.keys()


class TestForget:
    async def test_declining_to_forget_changes_nothing(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ZINA, marketing=False, phone=PHONE)
        question = await send(telegram, ZINA, "/forget", expect="Delete your personal data?")
        assert "100 points will be lost" in (question.text or "")
        kept = await tap(telegram, ZINA, question, "No, keep")
        assert "Nothing was deleted" in (kept.text or "")
        member = await member_row(app, ZINA.id)
        assert member is not None
        assert member.phone == STORED_PHONE

    async def test_forget_leaves_no_personal_data_and_the_ledger_adds_up(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        number = await join(telegram, ZINA, marketing=False, phone=PHONE)
        settings = await send(telegram, ZINA, "/settings", expect="Settings")
        ask = await tap(telegram, ZINA, settings, "Birthday")
        assert "31.12.1990" in (ask.text or "")
        confirm = await send(telegram, ZINA, "17.05.1991", expect="17 May 1991")
        await tap(telegram, ZINA, confirm, "Yes, save")
        question = await send(telegram, ZINA, "/forget", expect="Delete your personal data?")
        done = await tap(telegram, ZINA, question, "Yes, delete")
        assert "has been deleted" in (done.text or "")

        found = await find_values(
            app.engine, ["Zinaida", "Kuznetsova", "zina_private", "5554321", ZINA.id, "1991-05-17"]
        )
        assert found == []
        async with transaction(app.sessionmaker) as session:
            member = await session.get_one(Member, number)
            entries = list(await session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == number)))
        assert member.forgotten_at is not None
        assert member.balance == 0 == sum(entry.amount for entry in entries)
        assert [entry.kind for entry in entries] == ["welcome", "forfeit"]
        assert await check(app.settings) == 0  # `python -m bot check`: the ledger is whole

    async def test_a_forgotten_member_joins_again_without_a_second_welcome_bonus(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        first = await join(telegram, ZINA, marketing=False)
        question = await send(telegram, ZINA, "/forget", expect="Delete your personal data?")
        assert "keyed hash of your Telegram id" in (question.text or "")
        await tap(telegram, ZINA, question, "Yes, delete", expect="join as a new member")
        assert "not a member yet" in ((await send(telegram, ZINA, "/balance")).text or "")
        second = await join(telegram, ZINA, marketing=False)
        assert second != first
        member = await member_row(app, ZINA.id)
        assert member is not None
        assert member.balance == 0


def programme_with_terms(tmp_path: Path, version: str) -> Path:
    """The sample programme with another version of the consent text."""
    programme = tmp_path / "programme.toml"
    text = sample_without_automations().read_text(encoding="utf-8")
    programme.write_text(text.replace('consent_version = "2026-11"', f'consent_version = "{version}"'))
    return programme


class TestNewTerms:
    async def test_members_agree_to_new_terms_before_anything_else(
        self, telegram: FakeTelegram, database_url: str, tmp_path: Path
    ) -> None:
        app, task = await start_app(bot_settings(telegram, database_url))
        number = await join(telegram, ZINA, marketing=True)
        await stop_app(app, task)
        renewed = programme_with_terms(tmp_path, "2027-01")
        app, task = await start_app(bot_settings(telegram, database_url, programme_file=renewed))
        try:
            terms = await send(telegram, ZINA, "/balance", expect="updated its terms")
            await send(telegram, ZINA, "/stop", expect="no more promotional messages")
            declined = await tap(telegram, ZINA, terms, "Not now")
            assert "Your points are kept" in (declined.text or "")
            terms = await send(telegram, ZINA, "⭐ Balance", expect="updated its terms")
            await tap(telegram, ZINA, terms, "I agree", expect="Here is your menu")
            assert "100 points" in ((await send(telegram, ZINA, "/balance")).text or "")
            recorded = await consents(app, number)
            assert recorded[-2:] == [("terms", "2027-01", False), ("terms", "2027-01", True)]
        finally:
            await stop_app(app, task)
