"""The page's server: the static page, and a small JSON API (people, menus, sending, pressing, scanning, reset) with
each chat streamed as server-sent events."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from bot.sandbox import demo
from bot.sandbox.run import Sandbox

STATIC: Final = Path(__file__).resolve().parent / "static"
SANDBOX: Final = web.AppKey("sandbox", Sandbox)
KEEP_ALIVE_SECONDS: Final = 15
ANSWER_WAIT_SECONDS: Final = 2.0


def build(sandbox: Sandbox) -> web.Application:
    app = web.Application()
    app[SANDBOX] = sandbox
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/people", _people)
    app.router.add_post("/api/people", _new_customer)
    app.router.add_get("/api/menu/{user}", _menu)
    app.router.add_get("/api/events/{user}", _events)
    app.router.add_get("/api/file/{chat}/{message}", _file)
    app.router.add_post("/api/send", _send)
    app.router.add_post("/api/press", _press)
    app.router.add_post("/api/contact", _contact)
    app.router.add_post("/api/scan", _scan)
    app.router.add_post("/api/reset", _reset)
    return app


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def _people(request: web.Request) -> web.Response:
    return web.json_response([person.as_json() for person in request.app[SANDBOX].people])


async def _new_customer(request: web.Request) -> web.Response:
    return web.json_response(request.app[SANDBOX].add_customer().as_json())


async def _menu(request: web.Request) -> web.Response:
    """The "/" menu Telegram would show this person: their chat's commands, else everyone's, in their language."""
    telegram = request.app[SANDBOX].telegram
    chat = int(request.match_info["user"])
    scopes: list[dict[str, Any] | None] = [{"type": "chat", "chat_id": chat}, {"type": "all_private_chats"}, None]
    for scope in scopes:
        for language in ("en", ""):
            if commands := telegram.commands_for(scope, language):
                return web.json_response(commands)
    return web.json_response([])


async def _events(request: web.Request) -> web.StreamResponse:
    """The chat so far, then each message as it arrives."""
    feed = request.app[SANDBOX].feed
    chat = int(request.match_info["user"])
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    history, queue = feed.subscribe(chat)
    try:
        for event in history:
            await response.write(_event(event))
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": still here\n\n")
                continue
            await response.write(_event(event))
    finally:
        feed.unsubscribe(chat, queue)


def _event(event: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(event)}\n\n".encode()


async def _file(request: web.Request) -> web.Response:
    stored = request.app[SANDBOX].feed.file(int(request.match_info["chat"]), int(request.match_info["message"]))
    if stored is None:
        raise web.HTTPNotFound
    kind = "image/png" if stored.kind == "photo" else "application/octet-stream"
    disposition = "inline" if stored.kind == "photo" else f'attachment; filename="{stored.name}"'
    return web.Response(body=stored.data, content_type=kind, headers={"Content-Disposition": disposition})


async def _person(request: web.Request) -> tuple[Sandbox, demo.Person, dict[str, Any]]:
    sandbox = request.app[SANDBOX]
    try:
        body = await request.json()
        person = sandbox.person(int(body["user"]))
    except (ValueError, KeyError, TypeError):
        raise web.HTTPBadRequest(text="expected JSON with a user id") from None
    if person is None:
        raise web.HTTPNotFound(text="no such phone")
    return sandbox, person, body


async def _send(request: web.Request) -> web.Response:
    sandbox, person, body = await _person(request)
    text = str(body.get("text", "")).strip()
    if not text:
        raise web.HTTPBadRequest(text="empty message")
    sandbox.feed.user_did(person.id, text)
    sandbox.telegram.push_text(sandbox.user(person), text)
    return web.json_response({"ok": True})


async def _press(request: web.Request) -> web.Response:
    """Press an inline button; answers with the alert or notice the bot gave to the press, if any."""
    sandbox, person, body = await _person(request)
    message = int(body.get("message", 0))
    sent = next((s for s in reversed(sandbox.telegram.messages_to(person.id)) if s.message_id == message), None)
    if sent is None:
        raise web.HTTPNotFound(text="no such message")
    telegram = sandbox.telegram
    try:
        update_id = telegram.push_callback(sandbox.user(person), sent, str(body.get("data", "")))
    except AssertionError:
        raise web.HTTPGone(text="that message was deleted") from None
    for _ in range(int(ANSWER_WAIT_SECONDS / 0.05)):
        if (answer := telegram.callback_answer(update_id)) is not None:
            return web.json_response({"answer": answer.get("text")})
        await asyncio.sleep(0.05)
    return web.json_response({"answer": None})


async def _contact(request: web.Request) -> web.Response:
    """Share the person's own phone number, as the "share my phone" button of Telegram does."""
    sandbox, person, _ = await _person(request)
    sandbox.feed.user_did(person.id, f"📞 {person.phone}")
    sandbox.telegram.push_contact(sandbox.user(person), person.phone, person.id)
    return web.json_response({"ok": True})


async def _scan(request: web.Request) -> web.Response:
    """Point the cashier's camera at the customer's QR card: the card's link opens in the cashier's chat."""
    sandbox, person, body = await _person(request)
    payload = sandbox.feed.scan(person.id, int(body.get("message", 0)))
    if payload is None:
        raise web.HTTPNotFound(text="no QR card in that message")
    sandbox.feed.user_did(demo.CASHIER.id, f"/start {payload}")
    sandbox.telegram.push_text(sandbox.user(demo.CASHIER), f"/start {payload}")
    return web.json_response({"ok": True})


async def _reset(request: web.Request) -> web.Response:
    await request.app[SANDBOX].reset()
    return web.json_response({"ok": True})


async def serve(sandbox: Sandbox, host: str, port: int) -> web.AppRunner:
    """Listen on host:port; the runner stops it."""
    runner = web.AppRunner(build(sandbox), handle_signals=False, access_log=None, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
