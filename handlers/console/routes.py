"""Every route of the console, registered by one function: the API first, then the page and its files."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from handlers.console import figures, people, programme, records
from handlers.console.context import CONSOLE, Console

STATIC = Path(__file__).resolve().parent / "static"  # the page: index.html and what it loads


async def page(request: web.Request) -> web.FileResponse:
    index = STATIC / "index.html"
    if not index.is_file():
        raise web.HTTPNotFound(text="the console's page is not installed")
    return web.FileResponse(index, headers={"Cache-Control": "no-cache"})


async def to_page(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect("/console/")


async def unknown(request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text='{"error": "no such endpoint"}', content_type="application/json")


def add_console(app: web.Application, console: Console) -> None:
    """Serve the console's API and page on `app` (the webhook's application, or one of its own when polling)."""
    app[CONSOLE] = console
    routes = web.RouteTableDef()
    for feature in (people, programme, records, figures):
        feature.add_routes(routes)
    app.router.add_routes(routes)
    app.router.add_route("*", "/console/api/{tail:.*}", unknown)
    app.router.add_get("/console", to_page)
    app.router.add_get("/console/", page)
    if STATIC.is_dir():
        app.router.add_static("/console/", STATIC, append_version=True)
