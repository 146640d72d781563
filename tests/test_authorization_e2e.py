"""Least privilege through the real dispatcher: every staff command and staff button, tried by people who may not
use it (a customer, a stranger, staff of a lower role), is refused and leaves the database exactly as it was.

The commands come from `STAFF_COMMANDS` and the buttons from the routers themselves (every callback filter behind a
`HasRole`), so a command or button added later is covered without touching this file.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter

from bot.sandbox.telegram import FakeTelegram, FakeUser, Sent
from handlers import build_router
from handlers.commands import STAFF_COMMANDS
from handlers.fallback import too_low
from handlers.filters import HasRole
from handlers.i18n import Texts
from models.core.base import utcnow
from models.core.uow import transaction
from models.members.numbers import shown
from models.team.staff import Actor, Role, StaffMember
from models.till.sales import record_sale
from tests.dbstate import dump
from tests.stepper import Stepper, stepper
from tests.support.app import OWNER
from tests.support.members import enrol_member

CUSTOMER = FakeUser(id=8001, first_name="Carl")
STRANGER = FakeUser(id=8002, first_name="Stan")
CASHIER = FakeUser(id=8003, first_name="Cass")
ADMIN = FakeUser(id=8004, first_name="Ada")
STAFF = {Role.CASHIER: CASHIER, Role.ADMIN: ADMIN, Role.OWNER: OWNER}
VERA = FakeUser(id=8009, first_name="Vera")  # a member with a purchase, for staff commands to act on

# Arguments that would make each command do something if it were allowed; `{member}` is an existing member.
SAMPLE_ARGS = {
    "sale": "{member} 500 coffee #R-1",
    "redeem": "{member} 10",
    "refund": "#R-0",
    "campaign": "all now | Hello",
    "campaign_stats": "1",
    "campaign_cancel": "1",
    "staff": f"add {STRANGER.id} cashier",
}


def sample_command(name: str, member: int) -> str:
    return f"/{name} {SAMPLE_ARGS.get(name, '{member}').format(member=shown(member))}".strip()


def _role(filters: list[FilterObject] | None) -> Role | None:
    roles = [f.callback.needed for f in filters or [] if isinstance(f.callback, HasRole)]
    return max(roles, key=lambda role: role.rank) if roles else None


def staff_buttons(router: Router, inherited: Role | None = None) -> dict[type[CallbackData], Role]:
    """Every callback data class a staff-only handler answers to, with the role it needs."""
    observer = router.callback_query
    guarded = _role(observer._handler.filters) or inherited
    found: dict[type[CallbackData], Role] = {}
    for handler in observer.handlers:
        needed = _role(handler.filters) or guarded
        for item in handler.filters or []:
            if needed is not None and isinstance(item.callback, CallbackQueryFilter):
                found[item.callback.callback_data] = needed
    for child in router.sub_routers:
        found |= staff_buttons(child, guarded)
    return found


def forged(data_class: type[CallbackData], member: int) -> str:
    """A well-formed press of the button, with values that would act on a real member right now."""
    values: dict[str, object] = {}
    for name, info in data_class.model_fields.items():
        kind = typing.get_args(info.annotation) or (info.annotation,)
        if any(isinstance(k, type) and issubclass(k, enum.Enum) for k in kind):
            values[name] = next(iter(next(k for k in kind if isinstance(k, type) and issubclass(k, enum.Enum))))
        elif bool in kind:
            values[name] = True
        elif int in kind:
            values[name] = int(datetime.now(UTC).timestamp() // 60) if name == "at" else member
        else:
            values[name] = str(member)
    return data_class(**values).pack()


def refused_by(role: Role) -> list[FakeUser]:
    """Everyone who must not get through: customers, strangers, and staff below `role`."""
    lower = [user for staff_role, user in STAFF.items() if staff_role.rank < role.rank]
    return [CUSTOMER, STRANGER, *lower]


@dataclass
class World:
    steps: Stepper
    member: int  # a member that staff commands could act on
    chats: dict[int, Sent]  # a bot message in each user's chat, to press buttons on


@pytest.fixture
async def world(telegram: FakeTelegram, database_url: str) -> AsyncIterator[World]:
    async with stepper(telegram, database_url) as steps:
        now, programme = utcnow(), steps.app.programme
        async with transaction(steps.app.sessionmaker) as session:
            for user in (CUSTOMER, VERA):
                member = await enrol_member(session, programme, user.id, first_name=user.first_name, now=now)
            for role, user in STAFF.items():
                if role is not Role.OWNER:
                    session.add(StaffMember(telegram_id=user.id, role=role.value, added_by=OWNER.id, added_at=now))
            await session.commit()
            owner = Actor(OWNER.id, Role.OWNER)
            cards = steps.app.dispatcher["cards"]
            await record_sale(
                session,
                programme,
                cards,
                owner,
                member=shown(member),
                amount="700",
                category=None,
                receipt="R-0",
                source="msg:1:1",
                now=now,
            )
        chats = {}
        for user in (CUSTOMER, STRANGER, *STAFF.values()):
            chats[user.id] = (await steps.text(user, "/help"))[-1]
        yield World(steps, member, chats)


def expected_refusal(world: World, user: FakeUser, name: str) -> str:
    t = world.steps.app.texts["en"]
    role = next((role for role, staff in STAFF.items() if staff.id == user.id), None)
    return t("staff-only") if role is None else too_low(t, name, role)


class TestStaffCommands:
    @pytest.mark.parametrize("name", list(STAFF_COMMANDS))
    async def test_command_is_refused_to_everyone_below_its_role(self, world: World, name: str) -> None:
        engine = world.steps.app.engine
        for user in refused_by(STAFF_COMMANDS[name]):
            before = await dump(engine)
            answers = await world.steps.text(user, sample_command(name, world.member))
            assert [sent.text for sent in answers] == [expected_refusal(world, user, name)], (name, user.first_name)
            assert await dump(engine) == before, (name, user.first_name)

    @pytest.mark.parametrize("name", list(STAFF_COMMANDS))
    async def test_command_is_not_refused_to_its_own_role(self, world: World, name: str) -> None:
        user = STAFF[STAFF_COMMANDS[name]]
        answers = await world.steps.text(user, sample_command(name, world.member))
        assert expected_refusal(world, user, name) not in [sent.text for sent in answers]


class TestStaffButtons:
    def test_staff_buttons_are_found(self) -> None:
        found = staff_buttons(build_router(Texts()))
        assert found, "no staff-only button found: is every staff router registered?"

    async def test_every_staff_button_is_refused_to_everyone_below_its_role(self, world: World) -> None:
        engine = world.steps.app.engine
        stale = world.steps.app.texts["en"].raw("button-stale")
        for data_class, role in staff_buttons(build_router(world.steps.app.texts)).items():
            data = forged(data_class, world.member)
            for user in refused_by(role):
                before = await dump(engine)
                mark = len(world.steps.telegram.sent)
                answer = await world.steps.press(user, world.chats[user.id], data)
                assert answer == stale, (data, user.first_name)
                assert world.steps.telegram.sent[mark:] == [], (data, user.first_name)
                assert await dump(engine) == before, (data, user.first_name)
