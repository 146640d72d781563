"""/invite gives a working referral link; /stats shows managers the programme's figures."""

from __future__ import annotations

import re

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.members.numbers import shown
from tests.journeys import join, send
from tests.support.app import OWNER

ANNA = FakeUser(id=5001, first_name="Anna", language_code="en")
BORIS = FakeUser(id=5002, first_name="Boris", language_code="en")


class TestInvite:
    async def test_invite_link_enrols_a_friend_and_reports_the_bonus_after_a_purchase(
        self, app: App, telegram: FakeTelegram
    ) -> None:
        await join(telegram, ANNA)
        text = (await send(telegram, ANNA, "/invite")).text or ""
        found = re.search(rf"https://t\.me/{telegram.bot_username}\?start=(ref_\w+)", text)
        assert found, text
        assert "you get 150 points and your friend 50" in text
        boris = await join(telegram, BORIS, payload=found.group(1))
        assert "Friends who joined: 1; first purchases made: 0" in (
            (await send(telegram, ANNA, "👥 Invite")).text or ""
        )
        await send(telegram, OWNER, f"/sale {shown(boris)} 500", expect="recorded for member")
        await telegram.wait_for(ANNA.id, contains="Friend bonus")
        progress = (await send(telegram, ANNA, "/invite", expect="Friends who joined")).text or ""
        assert "Friends who joined: 1; first purchases made: 1; points you earned: 150" in progress

    async def test_strangers_are_asked_to_join_first(self, app: App, telegram: FakeTelegram) -> None:
        assert "not a member yet" in ((await send(telegram, ANNA, "/invite")).text or "")


class TestStats:
    async def test_owner_sees_members_sales_and_points(self, app: App, telegram: FakeTelegram) -> None:
        anna = await join(telegram, ANNA, marketing=True)
        await join(telegram, BORIS, marketing=False)
        await send(telegram, OWNER, f"/sale {shown(anna)} 1000", expect="recorded for member")
        text = (await send(telegram, OWNER, "/stats")).text or ""
        assert "Members: 2 (new: 2); accept offers: 1; bought something: 1." in text
        assert "Sales: 1 for 1 000 RUB; average check 1 000 RUB." in text
        assert "Points issued: 250; redeemed: 0; expired: 0; on balances now: 250." in text

    async def test_customers_cannot_see_figures(self, app: App, telegram: FakeTelegram) -> None:
        await join(telegram, ANNA)
        assert "for staff only" in ((await send(telegram, ANNA, "/stats")).text or "")
