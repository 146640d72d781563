"""/adjust end to end over the fake Bot API: an admin corrects a balance with a reason the member reads; no reason,
a cashier, or a balance taken below zero are each answered with what to do instead and change nothing."""

from __future__ import annotations

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.members.numbers import shown
from tests.journeys import join, send
from tests.support.app import OWNER
from tests.test_till_e2e import ANNA, CASHIER, balance_of, counts

ADMIN = FakeUser(id=7101, first_name="Ada", language_code="en")


async def appoint(telegram: FakeTelegram, user: FakeUser, role: str) -> None:
    await send(telegram, OWNER, f"/staff add {user.id} {role}", expect=f"now a {role}")


class TestAdjust:
    async def test_admin_adjusts_and_the_member_reads_the_reason(self, app: App, telegram: FakeTelegram) -> None:
        await appoint(telegram, ADMIN, "admin")
        anna = await join(telegram, ANNA)
        done = await send(telegram, ADMIN, f"/adjust {shown(anna)} +50 coffee spilt, we are sorry", expect="✅")
        assert f"Member №{shown(anna)}: +50 points (coffee spilt, we are sorry). Balance: 150 points." in (
            done.text or ""
        )
        notice = await telegram.wait_for(ANNA.id, contains="+50 points")
        assert "Adjusted by staff (coffee spilt, we are sorry). Balance: 150 points." in (notice.text or "")
        await send(telegram, ADMIN, f"/adjust {shown(anna)} -20 counted twice", expect="Balance: 130 points")
        assert await balance_of(app, anna) == 130
        assert "/adjust" in ((await send(telegram, ADMIN, "/help")).text or "")

    async def test_without_a_reason_it_is_refused(self, app: App, telegram: FakeTelegram) -> None:
        await appoint(telegram, ADMIN, "admin")
        anna = await join(telegram, ANNA)
        before = await counts(app)
        answer = await send(telegram, ADMIN, f"/adjust {shown(anna)} +50")
        assert "Say why, in a few words" in (answer.text or "")
        assert "Example: /adjust" in (answer.text or "")
        assert await counts(app) == before

    async def test_a_cashier_is_refused_and_told_what_to_do_instead(self, app: App, telegram: FakeTelegram) -> None:
        await appoint(telegram, CASHIER, "cashier")
        anna = await join(telegram, ANNA)
        before = await counts(app)
        answer = await send(telegram, CASHIER, f"/adjust {shown(anna)} +50 sorry")
        assert "Only admins and the owner adjust points by hand" in (answer.text or "")
        assert "/refund #receipt" in (answer.text or "")
        assert await counts(app) == before

    async def test_below_zero_is_refused_with_the_balance(self, app: App, telegram: FakeTelegram) -> None:
        anna = await join(telegram, ANNA)
        before = await counts(app)
        answer = await send(telegram, OWNER, f"/adjust {shown(anna)} -150 mistake")
        assert "The balance is 100: taking away 150 would make it negative. Take away at most 100." in (
            answer.text or ""
        )
        assert await counts(app) == before

    async def test_a_malformed_adjustment_gets_the_usage(self, app: App, telegram: FakeTelegram) -> None:
        anna = await join(telegram, ANNA)
        assert "Example: /adjust" in ((await send(telegram, OWNER, "/adjust")).text or "")
        answer = await send(telegram, OWNER, f"/adjust {shown(anna)} 50 sorry")
        assert "+50 to add, -50 to take away" in (answer.text or "")
