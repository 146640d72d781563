"""The programme edited in the console: validated by the programme file's model (422 naming the field, nothing
saved), put in force without a restart (a customer's /offers shows a new offer; another process's edit is picked up
within seconds), any version restored, and the TOML file downloaded and uploaded."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

from bot.sandbox.telegram import FakeUser
from models.core import programme_versions
from models.core.base import utcnow
from models.core.uow import transaction
from tests.journeys import eventually, join, send
from tests.support.app import OWNER
from tests.support.console import RunningConsole

KATE = FakeUser(id=7301, first_name="Kate", language_code="en")
ESPRESSO = {
    "id": "espresso_gift",
    "kind": "gift",
    "title": {"en": "A double espresso on the house", "ru": "Двойной эспрессо за наш счёт"},
    "description": {"en": "Any morning this week.", "ru": "Любым утром на этой неделе."},
    "value": 900,
    "business_cost": 30,
}


async def current(console: RunningConsole) -> dict[str, Any]:
    status, answer = await console.call(OWNER, "GET", "/console/api/programme")
    assert status == 200, answer
    assert isinstance(answer, dict)
    return answer


def with_offer_first(programme: dict[str, Any], offer: dict[str, Any]) -> dict[str, Any]:
    edited = copy.deepcopy(programme)
    edited["offers"] = [offer, *edited["offers"]]
    return edited


async def offers_text(console: RunningConsole, user: FakeUser) -> str:
    return (await send(console.telegram, user, "/offers")).text or ""


class TestEditing:
    async def test_the_file_seeds_version_one(self, console: RunningConsole) -> None:
        first = await current(console)
        assert first["version"] == 1
        assert first["created_by"] is None
        assert first["programme"]["name"] == "Bean & Leaf"
        status, toml = await console.call(OWNER, "GET", "/console/api/programme.toml")
        assert status == 200
        assert toml.startswith("# The loyalty programme of a small café chain.")  # the file itself, comments kept

    async def test_an_invalid_value_is_named_by_its_field_and_nothing_is_saved(self, console: RunningConsole) -> None:
        programme = (await current(console))["programme"]
        bad = with_offer_first(programme, {**ESPRESSO, "title": {"en": "", "ru": "Эспрессо"}, "valid_days": 0})
        status, answer = await console.call(OWNER, "PUT", "/console/api/programme", json={"programme": bad})
        assert status == 422
        fields = {error["field"]: error["message"] for error in answer["errors"]}
        assert set(fields) == {"offers.0.title.en", "offers.0.valid_days"}
        assert "at least 1 character" in fields["offers.0.title.en"]
        assert "greater than 0" in fields["offers.0.valid_days"]
        unknown_tier = with_offer_first(programme, {**ESPRESSO, "tiers": ["platinum"]})
        status, answer = await console.call(OWNER, "PUT", "/console/api/programme", json={"programme": unknown_tier})
        assert status == 422
        assert answer["errors"] == [{"field": "", "message": "offer 'espresso_gift' names unknown tiers ['platinum']"}]
        assert (await current(console))["version"] == 1
        status, versions = await console.call(OWNER, "GET", "/console/api/programme/versions")
        assert [v["version"] for v in versions] == [1]

    async def test_a_new_offer_reaches_customers_without_a_restart_and_a_restore_takes_it_back(
        self, console: RunningConsole
    ) -> None:
        await join(console.telegram, KATE)
        assert "double espresso" not in await offers_text(console, KATE)
        programme = (await current(console))["programme"]
        status, saved = await console.call(
            OWNER, "PUT", "/console/api/programme", json={"programme": with_offer_first(programme, ESPRESSO)}
        )
        assert (status, saved) == (200, {"version": 2})
        assert "A double espresso on the house" in await offers_text(console, KATE)
        latest = await current(console)
        assert (latest["version"], latest["created_by"]) == (2, OWNER.id)
        assert latest["programme"]["offers"][0]["id"] == "espresso_gift"

        status, restored = await console.call(OWNER, "POST", "/console/api/programme/versions/1/restore")
        assert (status, restored) == (200, {"version": 3})
        assert "double espresso" not in await offers_text(console, KATE)
        status, versions = await console.call(OWNER, "GET", "/console/api/programme/versions")
        assert [(v["version"], v["created_by"]) for v in versions] == [(3, OWNER.id), (2, OWNER.id), (1, None)]
        status, trail = await console.call(OWNER, "GET", "/console/api/audit?action=programme")
        assert [(line["action"], line["actor"]) for line in trail] == [
            ("programme.restore", OWNER.id),
            ("programme.edit", OWNER.id),
        ]
        assert trail[0]["details"] == "version 3; from version 1"

    async def test_a_version_saved_by_another_process_is_in_force_within_seconds(self, console: RunningConsole) -> None:
        await join(console.telegram, KATE)
        _status, toml = await console.call(OWNER, "GET", "/console/api/programme.toml")
        document = tomllib.loads(toml)
        document["offers"].insert(0, ESPRESSO)
        programme = programme_versions.validate(document)
        async with transaction(console.app.sessionmaker) as session:  # as another bot process would
            await programme_versions.add(session, programme_versions.to_toml(programme), by=OWNER.id, now=utcnow())

        async def shown() -> bool | None:
            return "double espresso" in await offers_text(console, KATE) or None

        await eventually(shown, "the other process's version was not put in force")

    async def test_toml_round_trip_and_a_bad_upload(self, console: RunningConsole) -> None:
        _, toml = await console.call(OWNER, "GET", "/console/api/programme.toml")
        renamed = toml.replace('name = "Bean & Leaf"', 'name = "Bean & Leaf Two"')
        status, saved = await console.call(OWNER, "POST", "/console/api/programme.toml", data=renamed)
        assert (status, saved) == (200, {"version": 2})
        assert (await current(console))["programme"]["name"] == "Bean & Leaf Two"
        status, answer = await console.call(OWNER, "POST", "/console/api/programme.toml", data="name = [unclosed")
        assert status == 422
        assert answer["errors"][0]["field"] == "toml"
        status, answer = await console.call(
            OWNER, "POST", "/console/api/programme.toml", data=renamed.replace("days = 365", "days = -1")
        )
        assert status == 422
        assert answer["errors"][0]["field"] == "expiry.days"
        # A version saved from the forms is written out as TOML that loads back to the same programme.
        programme = (await current(console))["programme"]
        status, saved = await console.call(
            OWNER, "PUT", "/console/api/programme", json={"programme": with_offer_first(programme, ESPRESSO)}
        )
        assert saved == {"version": 3}
        _, written = await console.call(OWNER, "GET", "/console/api/programme.toml")
        assert programme_versions.parse_toml(written) == programme_versions.validate(
            with_offer_first(programme, ESPRESSO)
        )
