"""Paying with points, stamp cards and earning promotions end to end over the fake Bot API: the cashier sees what the
points cover before confirming, a card completed by a sale with x2 issues a coupon that redeems once, a promotion is
named in the member's notice, and every bad input is answered with what to type instead, changing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram
from models.core.base import utcnow
from models.core.clock import business_day
from models.core.programme import load_programme
from models.core.uow import transaction
from models.members.numbers import shown
from models.offers.coupons import Coupon
from tests.journeys import answer_to, join, press, send, tap
from tests.support.app import OWNER, bot_settings, sample_without_automations, start_app, stop_app
from tests.support.paths import SAMPLE_PROGRAMME
from tests.test_till_e2e import ANNA, CASHIER, appoint_cashier, balance_of, counts, scan_card

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# What only the answer to /balance says: the sale's and the refund's notices to the member, which the outbox delivers
# on its own time, may reach her chat after she asked.
BALANCE = "You have"


async def coupons_of(app: App, member: int) -> list[Coupon]:
    async with transaction(app.sessionmaker) as session:
        return list(await session.scalars(select(Coupon).where(Coupon.member_id == member)))


class TestPayWithPoints:
    async def test_the_panel_quotes_what_points_cover_and_records_on_confirm(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        await appoint_cashier(telegram)
        number = await join(telegram, ANNA)  # 100 welcome points, worth 100 RUB
        assert "Worth 100 RUB at the till" in ((await send(telegram, ANNA, "/balance")).text or "")
        panel = await scan_card(telegram, ANNA, CASHIER)
        question = await tap(telegram, CASHIER, panel, "Pay with points", expect="Amount of the bill")
        assert "points pay up to 50%" in (question.text or "")
        quote = await send(telegram, CASHIER, "150 coffee #P-1", expect="remains to pay")
        text = quote.text or ""
        assert f"Member №{shown(number)} pays 75 points towards 150 RUB (receipt #P-1)" in text
        assert "The points cover 75 RUB; 75 RUB remains to pay in money" in text
        assert await balance_of(app, number) == 100  # nothing is recorded before the cashier confirms
        done = await tap(telegram, CASHIER, quote, "Confirm", expect="recorded")
        assert "75 points paid 75 RUB; 75 RUB paid in money" in (done.text or "")
        assert "+3 points" in (done.text or "")  # 5% of the 75 RUB paid in money
        notice = await telegram.wait_for(ANNA.id, contains="paid in money")
        assert "+3 points: Purchase (#P-1). Balance: 28 points." in (notice.text or "")
        assert "75 points paid 75 RUB; 75 RUB paid in money." in (notice.text or "")
        assert await balance_of(app, number) == 28
        await tap(telegram, CASHIER, quote, "Confirm", expect="Already recorded")  # a double tap records no more
        assert await balance_of(app, number) == 28

    async def test_a_refund_gives_the_points_back_and_takes_the_earned_ones(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        number = await join(telegram, ANNA)
        quote = await send(telegram, OWNER, f"/sale {shown(number)} 1000 #P-2 pay=max", expect="remains to pay")
        assert "pays 100 points towards 1 000 RUB" in (quote.text or "")
        await tap(telegram, OWNER, quote, "Confirm", expect="recorded")
        assert await balance_of(app, number) == 45  # 100 - 100 + 5% of 900
        back = (await send(telegram, OWNER, "/refund #P-2", expect="refunded")).text or ""
        assert "45 points taken back" in back
        assert "100 points that paid for it given back" in back
        assert await balance_of(app, number) == 100

    async def test_cancel_records_nothing(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        before = await counts(app)
        quote = await send(telegram, OWNER, f"/sale {shown(number)} 500 pay=50", expect="remains to pay")
        await tap(telegram, OWNER, quote, "Cancel", expect="nothing was recorded")
        assert await counts(app) == before


class TestStampCards:
    async def test_x2_completes_the_card_and_its_coupon_redeems_once(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        for receipt in range(2):
            answer = await send(telegram, OWNER, f"/sale {shown(number)} 400 coffee x2 #S-{receipt}", expect="recorded")
        assert "☕ 4 of 6 · A cappuccino on us" in (answer.text or "")
        notice = await telegram.wait_for(ANNA.id, contains="☕ 4 of 6")
        assert "+20 points: Purchase (#S-1)" in (notice.text or "")
        assert "☕ 4 of 6" in ((await send(telegram, ANNA, "/balance", expect=BALANCE)).text or "")
        done = (await send(telegram, OWNER, f"/sale {shown(number)} 300 coffee x2 #S-2", expect="recorded")).text
        assert "☕ 0 of 6" in (done or "")
        (coupon,) = await coupons_of(app, number)
        code = f"{coupon.code[:4]}-{coupon.code[4:]}"
        assert f"Card complete: coupon {code} (A cappuccino on us)" in (done or "")
        told = await telegram.wait_for(ANNA.id, contains="Card complete!")
        assert f"Your coupon {code}: A cappuccino on us" in (told.text or "")
        used = await send(telegram, OWNER, f"/redeem {code}")
        assert "A cappuccino on us" in (used.text or "")
        twice = await send(telegram, OWNER, f"/redeem {code}")
        assert "already used" in (twice.text or "")

    async def test_a_refund_takes_its_stamps_and_unused_reward_back(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        await send(telegram, OWNER, f"/sale {shown(number)} 1000 coffee x5 #R-1", expect="recorded")
        await send(telegram, OWNER, f"/sale {shown(number)} 200 coffee #R-2", expect="☕ 0 of 6")
        back = (await send(telegram, OWNER, "/refund #R-2", expect="refunded")).text or ""
        assert "☕ 5 of 6" in back
        assert "reward coupon this sale completed was withdrawn" in back
        (coupon,) = await coupons_of(app, number)
        assert coupon.released_at is not None
        assert "☕ 5 of 6" in ((await send(telegram, ANNA, "/balance", expect=BALANCE)).text or "")


@pytest.fixture
async def promoted(telegram: FakeTelegram, database_url: str, tmp_path: Path) -> AsyncIterator[tuple[App, str]]:
    """The bot on the sample programme with double points on pastries until three days from now; and that day."""
    programme = load_programme(SAMPLE_PROGRAMME)
    last = business_day(programme, utcnow()) + timedelta(days=3)
    path = tmp_path / "programme.toml"
    promotion = f"""
[[promotions]]
id = "pastry_days"
title = {{ en = "Double points on pastries", ru = "Двойные баллы за выпечку" }}
multiplier = 2
category = "pastry"
ends = {last.isoformat()}
"""
    path.write_text(sample_without_automations().read_text(encoding="utf-8") + promotion, encoding="utf-8")
    app, task = await start_app(bot_settings(telegram, database_url, programme_file=path))
    yield app, WEEKDAY_NAMES[last.weekday()]
    await stop_app(app, task)


class TestPromotions:
    async def test_the_notice_names_the_promotion(self, promoted: tuple[App, str], telegram: FakeTelegram) -> None:
        app, last_day = promoted
        number = await join(telegram, ANNA)
        answer = await send(telegram, OWNER, f"/sale {shown(number)} 1000 pastry #D-1", expect="recorded")
        assert "+100 points" in (answer.text or "")  # 5% x 2
        notice = await telegram.wait_for(ANNA.id, contains="+100 points")
        assert f"🔥 Double points on pastries until {last_day}" in (notice.text or "")
        plain = await send(telegram, OWNER, f"/sale {shown(number)} 1000 tea #D-2", expect="recorded")
        assert "+50 points" in (plain.text or "")
        assert "🔥" not in (plain.text or "")
        assert await balance_of(app, number) == 250


class TestBadInput:
    @pytest.mark.parametrize(
        ("words", "answer"),
        [
            ("1000 pay=500", "The member has 100 points, not 500. Type pay=100 or pay=max."),
            ("100 pay=80", "Points may pay at most 50% of this bill: 50 points, not 80. Type pay=50 or pay=max."),
            ("100 pay=lots", "Type pay= and a number of points, like pay=150, or pay=max"),
            ("400 coffee x0", "Type x and the number, from x1 to x20: x2 adds two stamps."),
            ("400 coffee x1000", "Type x and the number, from x1 to x20: x2 adds two stamps."),
        ],
    )
    async def test_each_is_answered_with_what_to_type_and_changes_nothing(
        self, app: App, telegram: FakeTelegram, words: str, answer: str
    ) -> None:
        number = await join(telegram, ANNA)
        before = await counts(app)
        told = await send(telegram, OWNER, f"/sale {shown(number)} {words}")
        assert answer in (told.text or "")
        assert told.buttons() == []  # no quote to confirm
        assert await counts(app) == before
        async with transaction(app.sessionmaker) as session:
            assert await session.scalar(select(func.count()).select_from(Coupon)) == 0

    async def test_a_stale_confirmation_is_refused(self, app: App, telegram: FakeTelegram) -> None:
        number = await join(telegram, ANNA)
        first = await send(telegram, OWNER, f"/sale {shown(number)} 100 pay=10", expect="remains to pay")
        await send(telegram, OWNER, f"/sale {shown(number)} 100 pay=20", expect="remains to pay")
        before = await counts(app)
        pressed = await press(telegram, OWNER, first, "Confirm")
        assert "no longer open" in await answer_to(telegram, pressed)
        assert await counts(app) == before
