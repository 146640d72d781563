"""What the console shows of the programme's records: member search and the value card (phones masked for all but
owners, as in the chat), the audit trail with its filters, the dashboard's figures, and the CSV exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from sqlalchemy import select

from bot.sandbox.telegram import FakeUser
from models.analytics.days import BusinessDay, first_open_day
from models.core import clock
from models.core.base import utcnow
from models.core.uow import transaction
from models.members.numbers import shown
from models.members.registry import Member
from models.points.purchases import Purchase
from scheduler import nightly_dashboard
from tests.journeys import eventually, join, send
from tests.support.app import OWNER
from tests.support.console import RunningConsole

CASHIER = FakeUser(id=7501, first_name="Cora", language_code="en")
ANNA = FakeUser(id=7502, first_name="Anna", language_code="en")
BORIS = FakeUser(id=7503, first_name="борис", language_code="ru")
ANNA_PHONE = "+79001234567"


async def shop(console: RunningConsole) -> tuple[int, int]:
    """Two members, three sales; the cashier appointed."""
    await send(console.telegram, OWNER, f"/staff add {CASHIER.id} cashier", expect="now a cashier")
    anna = await join(console.telegram, ANNA, phone=ANNA_PHONE)
    boris = await join(console.telegram, BORIS)
    for member, words in ((anna, "1000 coffee #R-1"), (anna, "250.50 pastry #R-2"), (boris, "400 tea #R-3")):
        await send(console.telegram, CASHIER, f"/sale {shown(member)} {words}", expect="recorded")
    return anna, boris


async def days_ago(console: RunningConsole, days: int) -> None:
    """Move every member's joining and purchase this many days into the past (the ledger is append-only)."""
    async with transaction(console.app.sessionmaker) as session:
        for member in await session.scalars(select(Member)):
            member.joined_at -= timedelta(days=days)
        for purchase in await session.scalars(select(Purchase)):
            purchase.created_at -= timedelta(days=days)


async def stored_days(console: RunningConsole) -> dict[date, int]:
    """The closed days stored, with their buyers."""
    async with transaction(console.app.sessionmaker) as session:
        return dict((await session.execute(select(BusinessDay.day, BusinessDay.buyers))).all())


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestMembers:
    async def test_search_by_number_phone_and_name(self, console: RunningConsole) -> None:
        anna, boris = await shop(console)
        owner_sees = {"member_id": anna, "number": shown(anna), "name": "Anna", "phone": ANNA_PHONE}
        for query in (shown(anna), "+7 900 123-45-67", "89001234567", "ann", "Anna"):
            status, found = await console.call(OWNER, "GET", f"/console/api/members?q={query.replace('+', '%2B')}")
            assert (status, found) == (200, [owner_sees]), query
        _, found = await console.call(CASHIER, "GET", f"/console/api/members?q={shown(anna)}")
        assert found == [{**owner_sees, "phone": "+7 *** ***-45-67"}]
        _, found = await console.call(CASHIER, "GET", "/console/api/members?q=борис")
        assert [m["member_id"] for m in found] == [boris]
        _, found = await console.call(CASHIER, "GET", f"/console/api/members?q={anna}")  # no check digit
        assert found == []

    async def test_the_value_card_is_the_one_member_shows(self, console: RunningConsole) -> None:
        anna, _ = await shop(console)
        status, card = await console.call(CASHIER, "GET", f"/console/api/members/{anna}")
        assert status == 200
        assert card["number"] == shown(anna)
        assert card["phone"] == "+7 *** ***-45-67"
        assert (card["lifetime_spend"], card["purchases"]) == (1250.5, 2)
        assert [p["receipt"] for p in card["last_purchases"]] == ["R-2", "R-1"]

        async def same_as_the_chat() -> bool | None:  # the member's analytics follow the sales a moment later
            chat = await send(console.telegram, CASHIER, f"/member {shown(anna)}")
            _, card = await console.call(CASHIER, "GET", f"/console/api/members/{anna}")
            return card["text"] == chat.params["text"] or None  # the HTML the chat sent

        await eventually(same_as_the_chat, "the console's card is not the chat's")
        status, answer = await console.call(CASHIER, "GET", "/console/api/members/999999")
        assert status == 404
        assert "No member found" in answer["error"]
        _, trail = await console.call(OWNER, "GET", f"/console/api/audit?actor={CASHIER.id}&action=member.view")
        assert trail
        assert {line["details"] for line in trail} == {f"member {shown(anna)}"}


class TestAudit:
    async def test_filters_by_who_what_and_when(self, console: RunningConsole) -> None:
        await shop(console)
        _, everything = await console.call(OWNER, "GET", "/console/api/audit")
        assert {line["action"] for line in everything} >= {"staff.add", "sale"}
        _, sales = await console.call(OWNER, "GET", f"/console/api/audit?actor={CASHIER.id}&action=sale")
        assert len(sales) == 3
        assert all(line["actor"] == CASHIER.id and line["action"] == "sale" for line in sales)
        _, limited = await console.call(OWNER, "GET", "/console/api/audit?limit=1")
        assert len(limited) == 1
        tomorrow = clock.business_day(console.app.programme, utcnow()) + timedelta(days=1)
        _, none = await console.call(OWNER, "GET", f"/console/api/audit?from={tomorrow}")
        assert none == []
        status, answer = await console.call(OWNER, "GET", "/console/api/audit?from=yesterday")
        assert status == 400
        assert "from" in answer["error"]


class TestFigures:
    async def test_the_dashboard_counts_the_period(self, console: RunningConsole) -> None:
        await shop(console)
        today = clock.business_day(console.app.programme, utcnow())
        status, board = await console.call(OWNER, "GET", f"/console/api/dashboard?from={today}&to={today}")
        assert status == 200
        assert board["members_per_week"] == [
            {"week": (today - timedelta(days=today.weekday())).isoformat(), "members": 2, "new": 2}
        ]
        assert board["active_share"] == 1.0
        assert board["sales_per_day"] == [{"day": today.isoformat(), "branch": None, "amount": 1650.5, "count": 3}]
        assert board["points_outstanding"] > 0
        assert board["points_value"] == board["points_outstanding"]  # the sample programme: a point pays 1 RUB
        assert board["redemption_rate"] == 0.0
        assert board["campaigns"] == []
        status, default = await console.call(OWNER, "GET", "/console/api/dashboard")
        assert (default["from"], default["to"]) == ((today - timedelta(days=29)).isoformat(), today.isoformat())
        status, _answer = await console.call(OWNER, "GET", f"/console/api/dashboard?from={today}&to=2020-01-01")
        assert status == 400

    async def test_closed_days_are_stored_by_the_nightly_job_and_a_refund_of_an_old_sale_counts_again(
        self, console: RunningConsole
    ) -> None:
        await shop(console)
        await days_ago(console, 2)  # the members joined and the three sales were made the day before yesterday
        today = clock.business_day(console.app.programme, utcnow())
        then = today - timedelta(days=2)
        await nightly_dashboard.store_figures(console.app.jobs)
        stored = await stored_days(console)
        assert stored[then] == 2  # its two buyers
        open_since = first_open_day(console.app.programme, utcnow())  # today, or yesterday in its first minutes
        closed = {then + timedelta(days=n) for n in range((open_since - then).days)}
        assert set(stored) == closed  # every closed day since the first one; the open ones are counted live

        _, board = await console.call(OWNER, "GET", f"/console/api/dashboard?from={then}&to={today}")
        assert board["sales_per_day"] == [{"day": then.isoformat(), "branch": None, "amount": 1650.5, "count": 3}]
        assert board["active_share"] == 1.0
        assert board["members_per_week"][-1]["members"] == 2

        await send(console.telegram, OWNER, "/refund #R-3", expect="refunded")  # Boris's only purchase
        assert then not in await stored_days(console)  # to be counted again
        tomorrow = today + timedelta(days=1)  # another period: not kept from the first ask
        _, board = await console.call(OWNER, "GET", f"/console/api/dashboard?from={then}&to={tomorrow}")
        assert board["sales_per_day"] == [{"day": then.isoformat(), "branch": None, "amount": 1250.5, "count": 2}]
        assert board["active_share"] == 0.5
        assert (await stored_days(console))[then] == 1

    async def test_exports_parse_with_the_expected_rows(self, console: RunningConsole) -> None:
        anna, boris = await shop(console)
        today = clock.business_day(console.app.programme, utcnow())
        async with console.http.get(
            f"{console.url}/console/api/export/purchases.csv?from={today}&to={today}", headers=console.headers(OWNER)
        ) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
            assert 'filename="purchases.csv"' in response.headers["Content-Disposition"]
            purchases = parsed(await response.text())
        assert [(int(p["member_id"]), p["amount"], p["category"], p["receipt"]) for p in purchases] == [
            (anna, "1000.00", "coffee", "R-1"),
            (anna, "250.50", "pastry", "R-2"),
            (boris, "400.00", "tea", "R-3"),
        ]
        assert all(p["staff_id"] == str(CASHIER.id) and p["refunded_at"] == "" for p in purchases)
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p["created_at"]) for p in purchases)
        _, members_csv = await console.call(OWNER, "GET", "/console/api/export/members.csv")
        members = parsed(members_csv)
        assert [(int(m["member_id"]), m["number"], m["name"], m["phone"]) for m in members] == [
            (anna, shown(anna), "Anna", ANNA_PHONE),
            (boris, shown(boris), "борис", ""),
        ]
        _, ledger_csv = await console.call(OWNER, "GET", "/console/api/export/ledger.csv")
        ledger = parsed(ledger_csv)
        assert {row["kind"] for row in ledger} == {"sale", "welcome"}
        assert all(int(row["amount"]) != 0 for row in ledger)
        tomorrow = today + timedelta(days=1)
        _, nothing = await console.call(OWNER, "GET", f"/console/api/export/ledger.csv?from={tomorrow}")
        assert parsed(nothing) == []
        assert nothing.startswith("entry_id,member_id,created_at,kind,amount,balance_after,reason,actor_id,expires_at")
