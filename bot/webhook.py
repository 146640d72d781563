"""Webhook mode: Telegram posts each update to an aiohttp endpoint, which handles it before answering.

Telegram sends an update again until it gets a 2xx answer, so the answer comes only after the update was handled:
if the process dies midway, nothing is lost. Each update's effects commit with the record that it was handled (see
`models.core.updates`), so a copy of an update already handled changes nothing and sends nothing. An error that the
error handlers could not turn into an apology answers 500, so that Telegram tries again later; an error they did
answer counts as handled, as in polling mode (the user was told, and nothing uncommitted was kept).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.settings import Settings
from handlers.errors import trace

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_DEPTH = 32  # a real update nests under ten levels (a callback's message, its reply, its keyboard, a button)
INT64 = range(-(2**63), 2**63)
SHUTDOWN_SECONDS = 20  # an update still being handled at a stop gets this long to finish
log = logging.getLogger(__name__)


def well_formed(body: bytes) -> dict[str, Any] | None:
    """The body's JSON object, or None when no update from Telegram looks like it: not JSON, not an object, nested
    deeper than MAX_DEPTH, or holding a number the database cannot store (ids are 64-bit at most). Such a body is
    a bad request (400) and changes nothing; let through, it failed later as our error (500), retried for a day."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        return None
    if not isinstance(document, dict):
        return None
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return None
            pending.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
        elif not _storable(value):
            return None
    return document


def _storable(scalar: object) -> bool:
    """A JSON scalar within what the database stores: integers of 64 bits, finite numbers."""
    if isinstance(scalar, float):
        return math.isfinite(scalar)
    return not isinstance(scalar, int) or scalar in INT64


class UpdateEndpoint:
    """The aiohttp handler for the webhook path."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self._secret = secret.encode()

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=401)
        document = well_formed(await request.read())
        if document is None:
            return web.Response(status=400)
        try:
            update = Update.model_validate(document, context={"bot": self.bot})
        except ValidationError:
            return web.Response(status=400)
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception as exc:
            log.error("update %s failed; Telegram will send it again: %s", update.update_id, trace(exc))
            return web.Response(status=500)
        return web.Response()


def web_app(endpoint: UpdateEndpoint, webhook_url: str, app: web.Application) -> web.Application:
    """`app` (which may serve other paths, such as the console's) serving the path of WEBHOOK_URL too."""
    app.router.add_post(urlsplit(webhook_url).path or "/", endpoint.handle)
    return app


async def serve(dispatcher: Dispatcher, bot: Bot, settings: Settings, app: web.Application) -> None:
    """Listen on WEBHOOK_HOST:WEBHOOK_PORT with `app` and the webhook's path, register the webhook with Telegram, and
    serve until cancelled.

    When cancelled (SIGTERM) the port closes first, so that a load balancer sends new updates to the other
    processes, and updates being handled finish (within SHUTDOWN_SECONDS) before the dispatcher shuts down."""
    # Settings insists on both in webhook mode.
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    endpoint = UpdateEndpoint(dispatcher, bot, secret)
    runner = web.AppRunner(
        web_app(endpoint, settings.webhook_url, app),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_SECONDS,
    )
    await runner.setup()
    # The same data polling gives to startup and shutdown hooks.
    hook_data = {"dispatcher": dispatcher, "bots": [bot], **dispatcher.workflow_data}
    try:
        await dispatcher.emit_startup(bot=bot, **hook_data)
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        log.info("serving the webhook on %s:%s", settings.webhook_host, settings.webhook_port)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await dispatcher.emit_shutdown(bot=bot, **hook_data)
