"""What every console view is given: the services (on the application), the request's unit of work and who asks."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NoReturn

from aiogram import Bot
from aiohttp import web

from handlers.i18n import Texts, Translator
from models.core.programme_versions import ProgrammeHolder
from models.core.uow import UnitOfWork
from models.members.cards import CardSigner
from models.team.staff import Actor, Role


class Remembered:
    """Answers kept for a few seconds by key: figures over whole tables are not worth computing again for every
    request when a minute-old value tells the same story."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._kept: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any | None:
        found = self._kept.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: Hashable, value: Any) -> None:
        now = time.monotonic()
        self._kept = {k: kept for k, kept in self._kept.items() if kept[0] >= now}
        self._kept[key] = (now + self.seconds, value)


@dataclass(frozen=True)
class Console:
    bot: Bot
    bot_token: str
    owners: frozenset[int]
    texts: Texts
    programmes: ProgrammeHolder
    cards: CardSigner
    console_url: str | None
    figures: Remembered = field(default_factory=lambda: Remembered(FIGURES_SECONDS))


@dataclass(frozen=True)
class Caller:
    """Who is asking, as their signed initData and the database say."""

    user_id: int
    name: str
    role: Role
    language: str

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.role)


FIGURES_SECONDS = 30.0  # how old the dashboard's figures may be

CONSOLE = web.AppKey("console", Console)
UNIT = web.RequestKey("unit", UnitOfWork)
CALLER = web.RequestKey("caller", Caller)

View = Callable[[web.Request], Awaitable[web.StreamResponse]]


def console(request: web.Request) -> Console:
    return request.app[CONSOLE]


def caller(request: web.Request) -> Caller:
    return request[CALLER]


def translator(request: web.Request) -> Translator:
    return console(request).texts[request[CALLER].language] if CALLER in request else console(request).texts["en"]


def refuse(status: type[web.HTTPException], message: str) -> NoReturn:
    """Stop the request with `{"error": message}` and the status."""
    raise status(text=json.dumps({"error": message}), content_type="application/json")


def reply(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False))


def path_number(request: web.Request, name: str, what: str) -> int:
    """A whole number from the path; 404 naming `what` when it is not one."""
    raw = request.match_info[name]
    if not raw.isdecimal():
        refuse(web.HTTPNotFound, f"no such {what}")
    return int(raw)


def day_param(request: web.Request, name: str) -> date | None:
    """An optional `YYYY-MM-DD` query parameter; 400 when it is something else."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        refuse(web.HTTPBadRequest, f"{name} must be a date like 2026-11-30")


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        refuse(web.HTTPBadRequest, "the body must be JSON")
    if not isinstance(body, dict):
        refuse(web.HTTPBadRequest, "the body must be a JSON object")
    return body
