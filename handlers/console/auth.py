"""Who is asking: Telegram's signed initData in `Authorization: tma <initData>`, checked with the bot's token and at
most MAX_AGE old; the role is read from the database on every request, so a dismissal takes effect at once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiogram.utils.web_app import safe_parse_webapp_init_data
from aiohttp import web
from pydantic import ValidationError

from handlers.console.context import CALLER, UNIT, Caller, View, console, refuse
from models.members.registry import pick_language
from models.team import staff
from models.team.staff import Role

MAX_AGE = timedelta(hours=1)
SCHEME = "tma "
CLOCK_SKEW = timedelta(minutes=5)  # an auth_date this far ahead of our clock is still believed


async def identify(request: web.Request) -> Caller:
    """The signed-in staff member, or 401 (no, forged or stale initData) or 403 (not staff)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith(SCHEME):
        refuse(web.HTTPUnauthorized, "open the console from the bot in Telegram (no initData)")
    services = console(request)
    try:
        data = safe_parse_webapp_init_data(services.bot_token, header.removeprefix(SCHEME))
    except (ValueError, ValidationError):
        refuse(web.HTTPUnauthorized, "initData is not signed by this bot")
    now = datetime.now(UTC)
    if data.user is None:
        refuse(web.HTTPUnauthorized, "initData names no user")
    if not now - MAX_AGE <= data.auth_date <= now + CLOCK_SKEW:
        refuse(web.HTTPUnauthorized, "initData is more than an hour old: close the console and open it again")
    role = await staff.role_of(request[UNIT].session, data.user.id, services.owners)
    if role is None:
        refuse(web.HTTPForbidden, "the console is for the programme's staff")
    return Caller(data.user.id, data.user.first_name, role, pick_language(data.user.language_code))


def allowed(needed: Role) -> Callable[[View], View]:
    """For a view only staff of at least `needed` may call; the caller is then in `request[CALLER]`."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        async def guarded(request: web.Request) -> web.StreamResponse:
            who = await identify(request)
            if not who.role.can(needed):
                refuse(web.HTTPForbidden, f"this is for {needed.value}s{'' if needed is Role.OWNER else ' and above'}")
            request[CALLER] = who
            return await view(request)

        return guarded

    return decorate
