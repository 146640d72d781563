"""The programme in the console: read it, save an edited one (validated by the programme file's own model), its
versions, restoring one, and the TOML file down and up. Saving puts the version in force here at once."""

from __future__ import annotations

from aiohttp import web

from handlers.console.auth import allowed
from handlers.console.context import UNIT, caller, console, json_body, path_number, refuse, reply
from models.core import programme_versions as versions
from models.core.base import utcnow
from models.team import programme_edits
from models.team.staff import Role

TOML_TYPE = "application/toml"


def _info(info: versions.VersionInfo) -> dict[str, object]:
    return {"version": info.version, "created_at": info.created_at.isoformat(), "created_by": info.created_by}


async def _saved(request: web.Request, saved: programme_edits.Saved) -> web.Response:
    """Answer with the new version's number, and put it in force in this process once it is committed."""
    request[UNIT].after_commit(lambda: console(request).programmes.hold(saved.programme, saved.version))
    return reply({"version": saved.version})


@allowed(Role.ADMIN)
async def show(request: web.Request) -> web.Response:
    found = await versions.current(request[UNIT].session)
    if found is None:
        refuse(web.HTTPNotFound, "no programme yet")
    return reply({**_info(found.info), "programme": versions.to_document(found.programme)})


@allowed(Role.OWNER)
async def save(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not isinstance(body.get("programme"), dict):
        refuse(web.HTTPBadRequest, 'send {"programme": {...}}')
    saved = await programme_edits.save(request[UNIT].session, caller(request).actor, body["programme"], utcnow())
    return await _saved(request, saved)


@allowed(Role.ADMIN)
async def history(request: web.Request) -> web.Response:
    return reply([_info(info) for info in await versions.versions(request[UNIT].session)])


@allowed(Role.OWNER)
async def restore(request: web.Request) -> web.Response:
    number = path_number(request, "version", "programme version")
    try:
        saved = await programme_edits.restore(request[UNIT].session, caller(request).actor, number, utcnow())
    except versions.UnknownVersion:
        refuse(web.HTTPNotFound, f"there is no version {number}")
    return await _saved(request, saved)


@allowed(Role.ADMIN)
async def download(request: web.Request) -> web.Response:
    found = await versions.current_text(request[UNIT].session)
    if found is None:
        refuse(web.HTTPNotFound, "no programme yet")
    text, number = found
    return web.Response(
        text=text,
        content_type=TOML_TYPE,
        headers={"Content-Disposition": f'attachment; filename="programme-v{number}.toml"'},
    )


@allowed(Role.OWNER)
async def upload(request: web.Request) -> web.Response:
    text = await request.text()
    saved = await programme_edits.upload(request[UNIT].session, caller(request).actor, text, utcnow())
    return await _saved(request, saved)


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get("/console/api/programme")(show)
    routes.put("/console/api/programme")(save)
    routes.get("/console/api/programme/versions")(history)
    routes.post("/console/api/programme/versions/{version}/restore")(restore)
    routes.get("/console/api/programme.toml")(download)
    routes.post("/console/api/programme.toml")(upload)
