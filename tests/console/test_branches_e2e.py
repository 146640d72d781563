"""The console in a business with branches: who works where (in /me, the staff list and role changes), invitations
for a branch (checked against the programme's branches when made), sales per day per branch on the dashboard, and
the money value of the points outstanding."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.telegram import FakeTelegram, FakeUser
from models.core import clock
from models.core.base import utcnow
from models.members.numbers import shown
from tests.console.test_staff_e2e import invitation
from tests.journeys import join, send, tap
from tests.support.app import OWNER, sample_without_automations
from tests.support.console import RunningConsole, running_console
from tests.test_branches_e2e import BRANCHES

ANNA = FakeUser(id=7601, first_name="Anna", language_code="en")
CARL = FakeUser(id=7602, first_name="Carl", language_code="en")
DORA = FakeUser(id=7603, first_name="Dora", language_code="en")


@pytest.fixture
async def chain(telegram: FakeTelegram, database_url: str, tmp_path: Path) -> AsyncIterator[RunningConsole]:
    """The console of the sample programme with two branches, a point paying 0.50 RUB."""
    sample = sample_without_automations().read_text(encoding="utf-8")
    text = sample.replace("\npoint_value = 1 ", "\npoint_value = 0.5 ", 1)
    assert "point_value = 0.5" in text
    programme = tmp_path / "programme.toml"
    programme.write_text(text + BRANCHES, encoding="utf-8")
    async with running_console(telegram, database_url, programme_file=programme) as running:
        yield running


async def invite(chain: RunningConsole, role: str, branch: str | None) -> tuple[int, Any]:
    status, answer = await chain.call(OWNER, "POST", "/console/api/invitations", json={"role": role, "branch": branch})
    return status, answer


class TestWhoWorksWhere:
    async def test_me_the_staff_list_and_a_role_change_name_the_branch(self, chain: RunningConsole) -> None:
        await send(chain.telegram, OWNER, f"/staff add {CARL.id} cashier centre", expect="now a cashier")
        await send(chain.telegram, OWNER, f"/staff add {DORA.id} admin", expect="now a admin")
        _, me = await chain.call(CARL, "GET", "/console/api/me")
        assert (me["role"], me["branch"]) == ("cashier", "centre")
        _, owner = await chain.call(OWNER, "GET", "/console/api/me")
        assert owner["branch"] is None
        _, roster = await chain.call(OWNER, "GET", "/console/api/staff")
        assert [(line["user_id"], line["role"], line["branch"]) for line in roster] == [
            (OWNER.id, "owner", None),
            (CARL.id, "cashier", "centre"),
            (DORA.id, "admin", None),
        ]
        status, changed = await chain.call(OWNER, "PATCH", f"/console/api/staff/{CARL.id}", json={"role": "admin"})
        assert status == 200
        assert changed == {"user_id": CARL.id, "role": "admin", "branch": "centre"}


class TestInvitationsForABranch:
    async def test_an_unknown_branch_is_refused_naming_the_field_and_the_branches(self, chain: RunningConsole) -> None:
        status, answer = await invite(chain, "cashier", "harbour")
        assert status == 422
        assert answer == {
            "errors": [{"field": "branch", "message": 'There is no branch "harbour". Pick one of: centre, airport.'}]
        }
        _, trail = await chain.call(OWNER, "GET", "/console/api/audit?action=staff.invite")
        assert trail == []

    async def test_a_cashier_needs_a_branch_and_an_admin_does_not(self, chain: RunningConsole) -> None:
        status, answer = await invite(chain, "cashier", None)
        assert status == 422
        assert answer["errors"][0]["field"] == "branch"
        assert "centre, airport" in answer["errors"][0]["message"]
        status, _answer = await invite(chain, "admin", None)
        assert status == 200

    async def test_the_invited_cashier_works_at_the_invitation_s_branch(self, chain: RunningConsole) -> None:
        status, made = await invite(chain, "cashier", "Airport")  # any letter case, as /staff add takes it
        assert status == 200
        payload = str(made["link"]).rsplit("start=", 1)[1]
        asked = await send(chain.telegram, CARL, f"/start {payload}", expect="invited")
        await tap(chain.telegram, CARL, asked, "Join as cashier", expect="now a cashier")
        _, roster = await chain.call(OWNER, "GET", "/console/api/staff")
        assert {"user_id": CARL.id, "name": None, "role": "cashier", "branch": "airport"} in roster

    async def test_without_branches_an_invitation_names_none(self, console: RunningConsole) -> None:
        assert (await invitation(console, "cashier")).startswith("staff_")
        status, answer = await console.call(
            OWNER, "POST", "/console/api/invitations", json={"role": "cashier", "branch": "centre"}
        )
        assert status == 422
        assert answer["errors"][0]["field"] == "branch"


class TestFiguresByBranch:
    async def test_sales_per_day_per_branch_and_the_points_money_value(self, chain: RunningConsole) -> None:
        await send(chain.telegram, OWNER, f"/staff add {CARL.id} cashier centre", expect="now a cashier")
        await send(chain.telegram, OWNER, f"/staff add {DORA.id} cashier airport", expect="now a cashier")
        anna = await join(chain.telegram, ANNA)
        await send(chain.telegram, CARL, f"/sale {shown(anna)} 1000", expect="recorded")
        await send(chain.telegram, CARL, f"/sale {shown(anna)} 300", expect="recorded")
        await send(chain.telegram, DORA, f"/sale {shown(anna)} 200", expect="recorded")
        today = clock.business_day(chain.app.programme, utcnow())
        status, board = await chain.call(OWNER, "GET", f"/console/api/dashboard?from={today}&to={today}")
        assert status == 200
        assert board["sales_per_day"] == [
            {"day": today.isoformat(), "branch": "airport", "amount": 200.0, "count": 1},
            {"day": today.isoformat(), "branch": "centre", "amount": 1300.0, "count": 2},
        ]
        assert board["points_outstanding"] > 0
        assert board["points_value"] == board["points_outstanding"] * 0.5
