"""Branches end to end over the fake Bot API: cashiers appointed to a branch, their sales in that branch's /stats,
an unknown branch answered with the branches there are."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core.uow import transaction
from models.members.numbers import shown
from models.team.staff import StaffMember
from tests.journeys import join, send, tap
from tests.support.app import OWNER, bot_settings, sample_without_automations, start_app, stop_app

ANNA = FakeUser(id=5001, first_name="Anna", language_code="en")
CARL = FakeUser(id=7001, first_name="Carl", language_code="en")
DORA = FakeUser(id=7002, first_name="Dora", language_code="en")
BRANCHES = """
[[branches]]
id = "centre"
name = "Centre"

[[branches]]
id = "airport"
name = "Airport"
"""


@pytest.fixture
async def chain(telegram: FakeTelegram, database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    """The real bot running the sample programme with two branches."""
    programme = tmp_path / "programme.toml"
    programme.write_text(sample_without_automations().read_text(encoding="utf-8") + BRANCHES, encoding="utf-8")
    app, task = await start_app(bot_settings(telegram, database_url, programme_file=programme))
    yield app
    await stop_app(app, task)


async def staff_count(app: App) -> int:
    async with transaction(app.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(StaffMember)) or 0)


class TestBranches:
    async def test_a_branch_cashier_s_sales_show_in_that_branch_s_stats(
        self, chain: App, telegram: FakeTelegram
    ) -> None:
        appointed = await send(telegram, OWNER, f"/staff add {CARL.id} cashier centre", expect="now a cashier")
        assert "Branch: Centre" in (appointed.text or "")
        await send(telegram, OWNER, f"/staff add {DORA.id} cashier Airport", expect="Branch: Airport")
        anna = await join(telegram, ANNA)
        await send(telegram, CARL, f"/sale {shown(anna)} 1000 coffee", expect="recorded")
        await send(telegram, CARL, f"/sale {shown(anna)} 300", expect="recorded")
        quote = await send(telegram, DORA, f"/sale {shown(anna)} 200 pay=20", expect="remains to pay")
        await tap(telegram, DORA, quote, "Confirm", expect="recorded")
        stats = (await send(telegram, OWNER, "/stats", expect="By branch")).text or ""
        assert "Sales: 3 for 1 500 RUB" in stats  # the total, then each branch
        assert "redeemed: 20;" in stats  # points that paid a bill are points spent
        assert "Centre: 2 sales, 1 300 RUB; +65 / −0 points" in stats
        assert "Airport: 1 sales, 200 RUB; +9 / −20 points" in stats  # points earned on the 180 paid in money

    async def test_an_owner_removes_a_cashier_named_with_their_branch(self, chain: App, telegram: FakeTelegram) -> None:
        await send(telegram, OWNER, f"/staff add {CARL.id} cashier centre", expect="now a cashier")
        wrong = await send(telegram, OWNER, f"/staff remove {CARL.id} cashier airport")
        assert f"User {CARL.id} is not a cashier" in (wrong.text or "")
        assert await staff_count(chain) == 1
        await send(telegram, OWNER, f"/staff remove {CARL.id} cashier centre", expect="no longer")
        assert await staff_count(chain) == 0

    async def test_an_unknown_branch_is_answered_with_the_branches_and_appoints_nobody(
        self, chain: App, telegram: FakeTelegram
    ) -> None:
        answer = await send(telegram, OWNER, f"/staff add {CARL.id} cashier harbour")
        assert 'There is no branch "harbour". Branches: centre, airport' in (answer.text or "")
        needed = await send(telegram, OWNER, f"/staff add {CARL.id} cashier")
        assert "A cashier works at a branch" in (needed.text or "")
        assert await staff_count(chain) == 0
        assert "for staff only" in ((await send(telegram, CARL, "/sale 1-1 100")).text or "")

    async def test_without_branches_nobody_names_one(self, app: App, telegram: FakeTelegram) -> None:
        await send(telegram, OWNER, f"/staff add {CARL.id} cashier", expect="now a cashier")
        stats = (await send(telegram, OWNER, "/stats")).text or ""
        assert "By branch" not in stats
        answer = await send(telegram, OWNER, f"/staff add {DORA.id} cashier centre")
        assert 'There is no branch "centre"' in (answer.text or "")
