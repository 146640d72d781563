"""Staff without ids: an owner's one-time invitation link makes whoever opens it and confirms staff (who can then
record a sale); a used or expired link is refused with a clear answer; the roster, role changes and removal."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import update

from bot.sandbox.telegram import FakeUser
from models.core.base import utcnow
from models.core.uow import transaction
from models.members.numbers import shown
from models.team.invitations import StaffInvitation
from tests.journeys import answer_to, join, press, send, tap
from tests.support.app import OWNER
from tests.support.console import RunningConsole

CARL = FakeUser(id=7401, first_name="Carl", language_code="en")
DORA = FakeUser(id=7402, first_name="Dora", language_code="ru")
KATE = FakeUser(id=7403, first_name="Kate", language_code="en")


async def invitation(console: RunningConsole, role: str) -> str:
    """The owner makes an invitation in the console; returns the /start payload its link carries."""
    status, made = await console.call(OWNER, "POST", "/console/api/invitations", json={"role": role, "branch": None})
    assert status == 200, made
    link = urlsplit(made["link"])
    assert (link.scheme, link.netloc, link.path) == ("https", "t.me", f"/{console.telegram.bot_username}")
    return str(parse_qs(link.query)["start"][0])


async def expire_invitations(console: RunningConsole) -> None:
    """A day and more goes by."""
    async with transaction(console.app.sessionmaker) as session:
        await session.execute(update(StaffInvitation).values(expires_at=utcnow() - timedelta(seconds=1)))


class TestInvitations:
    async def test_the_invited_user_confirms_and_records_a_sale(self, console: RunningConsole) -> None:
        number = await join(console.telegram, KATE)
        payload = await invitation(console, "cashier")
        assert payload.startswith("staff_")
        asked = await send(console.telegram, CARL, f"/start {payload}", expect="invited")
        assert "as a cashier" in (asked.text or "")
        joined = await tap(console.telegram, CARL, asked, "Join as cashier", expect="now a cashier")
        assert "Bean & Leaf" in (joined.text or "")
        await send(console.telegram, CARL, f"/sale {shown(number)} 500", expect="recorded")
        _, roster = await console.call(OWNER, "GET", "/console/api/staff")
        assert {"user_id": CARL.id, "name": None, "role": "cashier", "branch": None} in roster
        _, trail = await console.call(OWNER, "GET", "/console/api/audit?action=staff")
        assert [(line["action"], line["actor"]) for line in trail] == [
            ("staff.join", CARL.id),
            ("staff.add", OWNER.id),
            ("staff.invite", OWNER.id),
        ]

    async def test_a_used_link_is_refused_to_the_next_person(self, console: RunningConsole) -> None:
        payload = await invitation(console, "admin")
        asked = await send(console.telegram, CARL, f"/start {payload}", expect="invited")
        await tap(console.telegram, CARL, asked, "Join as admin", expect="now a admin")
        refused = await send(console.telegram, DORA, f"/start {payload}")
        assert "уже использовано" in (refused.text or "")
        _, roster = await console.call(OWNER, "GET", "/console/api/staff")
        assert DORA.id not in {person["user_id"] for person in roster}

    async def test_an_expired_or_made_up_link_is_refused(self, console: RunningConsole) -> None:
        payload = await invitation(console, "cashier")
        await expire_invitations(console)
        expired = await send(console.telegram, CARL, f"/start {payload}")
        assert "has expired" in (expired.text or "")
        made_up = await send(console.telegram, CARL, "/start staff_notatokenatall")
        assert "does not work" in (made_up.text or "")
        _, roster = await console.call(OWNER, "GET", "/console/api/staff")
        assert CARL.id not in {person["user_id"] for person in roster}

    async def test_a_button_pressed_after_the_link_expired_is_refused(self, console: RunningConsole) -> None:
        payload = await invitation(console, "cashier")
        asked = await send(console.telegram, CARL, f"/start {payload}", expect="invited")
        await expire_invitations(console)
        update_id = await press(console.telegram, CARL, asked, "Join")
        assert "has expired" in await answer_to(console.telegram, update_id)
        assert (await console.call(CARL, "GET", "/console/api/me"))[0] == 403

    async def test_bad_invitations_are_refused_by_the_api(self, console: RunningConsole) -> None:
        status, answer = await console.call(OWNER, "POST", "/console/api/invitations", json={"role": "owner"})
        assert status == 400
        assert "ADMIN_IDS" in answer["error"]
        status, answer = await console.call(OWNER, "POST", "/console/api/invitations", json={"role": "boss"})
        assert status == 400
        assert "cashier" in answer["error"]


class TestRoster:
    async def test_an_owner_changes_a_role_and_removes_staff(self, console: RunningConsole) -> None:
        await join(console.telegram, CARL)
        await send(console.telegram, OWNER, f"/staff add {CARL.id} cashier", expect="now a cashier")
        _, roster = await console.call(OWNER, "GET", "/console/api/staff")
        assert roster == [
            {"user_id": OWNER.id, "name": None, "role": "owner", "branch": None},
            {"user_id": CARL.id, "name": "Carl", "role": "cashier", "branch": None},
        ]
        status, changed = await console.call(OWNER, "PATCH", f"/console/api/staff/{CARL.id}", json={"role": "admin"})
        assert (status, changed) == (200, {"user_id": CARL.id, "role": "admin", "branch": None})
        _, me = await console.call(CARL, "GET", "/console/api/me")
        assert me["role"] == "admin"
        status, answer = await console.call(OWNER, "PATCH", f"/console/api/staff/{OWNER.id}", json={"role": "cashier"})
        assert status == 400
        assert "ADMIN_IDS" in answer["error"]
        status, _ = await console.call(OWNER, "DELETE", f"/console/api/staff/{CARL.id}")
        assert status == 200
        status, _answer = await console.call(OWNER, "DELETE", f"/console/api/staff/{CARL.id}")
        assert status == 404
        assert (await console.call(CARL, "GET", "/console/api/me"))[0] == 403
