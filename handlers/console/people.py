"""Who is asking (`me`), the staff list with role changes and removals, and invitations by one-time link."""

from __future__ import annotations

from aiogram.exceptions import TelegramAPIError
from aiogram.utils.deep_linking import create_start_link
from aiohttp import web

from handlers.console.auth import allowed
from handlers.console.context import UNIT, caller, console, json_body, path_number, refuse, reply
from handlers.staff.appointments import publish_menu, withdraw_menu
from models.core import clock
from models.core.base import utcnow
from models.team import invitations, staff
from models.team.staff import Role


@allowed(Role.CASHIER)
async def me(request: web.Request) -> web.Response:
    who, services = caller(request), console(request)
    programme = services.programmes.programme
    at = await staff.place(request[UNIT].session, programme, who.actor)
    username = (await services.bot.me()).username
    return reply(
        {
            "user_id": who.user_id,
            "name": who.name,
            "role": who.role.value,
            "branch": at.branch,
            "bot_username": username,
            # The shop's date, which every period of the console counts in: the browser's may be another one. The
            # zone lets a page left open move on to the next day at the shop's midnight.
            "today": clock.business_day(programme, utcnow()).isoformat(),
            "timezone": programme.timezone,
        }
    )


@allowed(Role.ADMIN)
async def staff_list(request: web.Request) -> web.Response:
    lines = await staff.roster(request[UNIT].session, console(request).owners)
    return reply(
        [
            {"user_id": line.telegram_id, "name": line.name, "role": line.role.value, "branch": line.branch}
            for line in lines
        ]
    )


@allowed(Role.OWNER)
async def change_role(request: web.Request) -> web.Response:
    body = await json_body(request)
    services, user_id = console(request), path_number(request, "user_id", "staff member")
    person = await staff.change_role(
        request[UNIT].session,
        services.programmes.programme,
        owner=caller(request).actor,
        owners=services.owners,
        user_id=user_id,
        role=str(body.get("role", "")),
        now=utcnow(),
    )
    request[UNIT].after_commit(lambda: publish_menu(services.bot, services.texts, person, services.console_url))
    return reply({"user_id": user_id, "role": person.role.value, "branch": person.branch})


@allowed(Role.OWNER)
async def remove(request: web.Request) -> web.Response:
    services, user_id = console(request), path_number(request, "user_id", "staff member")
    session = request[UNIT].session
    role = await staff.role_of(session, user_id, services.owners)
    if role is None:
        refuse(web.HTTPNotFound, f"user {user_id} is not staff")
    await staff.dismiss(
        session, owner=caller(request).actor, owners=services.owners, user_id=user_id, role=role.value, now=utcnow()
    )
    request[UNIT].after_commit(lambda: withdraw_menu(services.bot, user_id))
    return reply({"removed": user_id})


@allowed(Role.OWNER)
async def invite(request: web.Request) -> web.Response:
    body = await json_body(request)
    branch = body.get("branch")
    if branch is not None and not isinstance(branch, str):
        refuse(web.HTTPBadRequest, "branch must be a name or null")
    made = await invitations.invite(
        request[UNIT].session,
        console(request).programmes.programme,
        caller(request).actor,
        role=str(body.get("role", "")),
        branch=branch,
        now=utcnow(),
    )
    try:
        link = await create_start_link(console(request).bot, invitations.PAYLOAD_PREFIX + made.token)
    except TelegramAPIError:
        refuse(web.HTTPServiceUnavailable, "Telegram did not answer; try again in a minute")
    return reply({"link": link, "expires_at": made.expires_at.isoformat()})


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get("/console/api/me")(me)
    routes.get("/console/api/staff")(staff_list)
    routes.patch("/console/api/staff/{user_id}")(change_role)
    routes.delete("/console/api/staff/{user_id}")(remove)
    routes.post("/console/api/invitations")(invite)
