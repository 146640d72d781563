"""Serving the console: its routes on an aiohttp application, one unit of work per API request, and in polling
mode a web server of its own on WEBHOOK_HOST:WEBHOOK_PORT."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot
from aiohttp import web
from aiohttp.typedefs import Middleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from handlers.console.context import UNIT, Console, View
from handlers.console.errors import API, refusals
from handlers.console.routes import add_console
from handlers.i18n import Texts
from models.core.programme_versions import ProgrammeHolder
from models.core.uow import UnitOfWork
from models.members.cards import CardSigner

log = logging.getLogger(__name__)


def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> Middleware:
    """Each API request is one unit of work, committed when its view returns (and wrote), rolled back if it
    raises: as an update in the chat."""

    @web.middleware
    async def middleware(request: web.Request, handler: View) -> web.StreamResponse:
        if not request.path.startswith(API):
            return await handler(request)
        async with UnitOfWork(sessionmaker) as unit:
            request[UNIT] = unit
            response = await handler(request)
            if unit.wrote:
                await unit.commit()
            return response

    return middleware


def mount(
    app: web.Application,
    *,
    settings: Settings,
    bot: Bot,
    texts: Texts,
    programmes: ProgrammeHolder,
    sessionmaker: async_sessionmaker[AsyncSession],
    cards: CardSigner,
) -> None:
    """The console on `app`, when CONSOLE_URL is set."""
    if not settings.console_url:
        return
    app.middlewares.extend([refusals, unit_of_work(sessionmaker)])
    console = Console(
        bot=bot,
        bot_token=settings.bot_token.get_secret_value(),
        owners=settings.admin_ids,
        texts=texts,
        programmes=programmes,
        cards=cards,
        console_url=settings.console_url,
    )
    add_console(app, console)


@asynccontextmanager
async def serving(app: web.Application, settings: Settings) -> AsyncIterator[None]:
    """The console's own web server, for polling mode (in webhook mode the webhook's server carries it)."""
    if not settings.console_url:
        yield
        return
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        log.info("serving the console on %s:%s", settings.webhook_host, settings.webhook_port)
        yield
    finally:
        await runner.cleanup()
