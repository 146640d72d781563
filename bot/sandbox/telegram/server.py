"""The fake Bot API server: the aiohttp app that routes each call to the part owning its method, and FakeTelegram,
the one object tests and the sandbox hold."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Self

from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from bot.sandbox.telegram.account import Account
from bot.sandbox.telegram.api import ApiError, Call, Endpoint, JSONDict, as_int
from bot.sandbox.telegram.chats import Chats
from bot.sandbox.telegram.faults import Faults
from bot.sandbox.telegram.files import MAX_UPLOAD_BYTES, Files
from bot.sandbox.telegram.messages import Messages
from bot.sandbox.telegram.outbox import Outbox
from bot.sandbox.telegram.params import read_params
from bot.sandbox.telegram.updates import Updates


class FakeTelegram:
    """The fake Bot API server, answering calls like Telegram and refusing what Telegram refuses.

    Point aiogram at it with `AiohttpSession(api=fake.api)`. Users are played through `push_*`; every bot call is
    recorded in `calls` and, if it produced or changed a message, in `sent`. Parse errors, 403 for blocked users,
    "message is not modified" and the like are reproduced on purpose, so that what Telegram would reject fails here
    too. Errors, delays and stalls are injected with `fail_next`, `block_user`, `set_delay` and `hold_calls`.
    """

    def __init__(
        self, token: str = "123456:TEST-token", bot_username: str = "loyalty_test_bot", first_update_id: int = 1
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.calls: list[tuple[str, JSONDict]] = []
        bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Loyalty Test Bot",
            "username": bot_username,
        }
        chats = Chats(bot_user)
        files = Files(self.bot_id)
        outbox = Outbox()
        faults = Faults()
        account = Account(bot_user)
        self._updates = Updates(chats, files, first_update_id)
        self._files = files
        self._faults = faults
        parts = (chats, files, account, self._updates, Messages(chats, files, outbox, faults))
        # Telegram method names are case-insensitive; calls are recorded under the canonical spelling.
        self._endpoints: dict[str, tuple[str, Endpoint]] = {
            name.lower(): (name, endpoint) for part in parts for name, endpoint in part.endpoints().items()
        }
        # What tests and the sandbox use, answered by the part that owns the state.
        self.sent = outbox.sent
        self.deleted = outbox.deleted
        self.messages_to = outbox.messages_to
        self.wait_for = outbox.wait_for
        self.listen = outbox.listen
        self.commands = account.commands
        self.commands_for = account.commands_for
        self.menu_buttons = account.menu_buttons
        self.push_update = self._updates.push_update
        self.replay = self._updates.replay
        self.take_queued = self._updates.take_queued
        self.push_text = self._updates.push_text
        self.push_chat_member = self._updates.push_chat_member
        self.left_chats = chats.left
        self.push_contact = self._updates.push_contact
        self.push_photo = self._updates.push_photo
        self.push_callback = self._updates.push_callback
        self.callback_answer = self._updates.callback_answer
        self.fail_next = faults.fail_next
        self.block_user = faults.block_user
        self.unblock_user = faults.unblock_user
        self.set_delay = faults.set_delay
        self.fail_chat = faults.fail_chat
        self.heal_chat = faults.heal_chat
        self.hold_chat = faults.hold_chat
        self.release_chat = faults.release_chat
        self.hold_calls = faults.hold_calls
        self.release_calls = faults.release_calls
        # Load, for wait_idle.
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def unfetched(self) -> int:
        """Pushed updates the bot (or a webhook sender, `take_queued`) has not taken yet."""
        return self._updates.unfetched

    @property
    def webhook(self) -> JSONDict | None:
        """The setWebhook params in force, or None while the bot polls."""
        return self._updates.webhook

    # ----------------------------------------------------------------------------------------------------------
    # Lifecycle

    @property
    def url(self) -> str:
        """Base URL for `TelegramAPIServer.from_base`; only known once the server listens."""
        if self._url is None:
            msg = "FakeTelegram is not started"
            raise RuntimeError(msg)
        return self._url

    @property
    def api(self) -> TelegramAPIServer:
        """The aiogram server description pointing at this fake."""
        return TelegramAPIServer.from_base(self.url)

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # Cancelling handlers of dropped connections ends long polls that aiogram abandoned.
        runner = web.AppRunner(app, handle_signals=False, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._url = f"http://{host}:{port}"
        self._updates.open()

    async def close(self) -> None:
        """Stop listening; pending long polls return at once."""
        if self._runner is None:
            return
        self._updates.close()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10) -> None:  # noqa: ASYNC109 - agreed API
        """Wait until the bot fetched every pushed update and made no call for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            idle_for = now - self._last_activity
            busy = bool(self._updates.unfetched) or self._in_flight > 0
            if not busy and idle_for >= quiet:
                return
            if now >= deadline:
                msg = (
                    f"bot not idle after {timeout}s: {self._updates.unfetched} updates not fetched, "
                    f"{self._in_flight} calls in flight, last call {idle_for:.2f}s ago"
                )
                raise AssertionError(msg)
            pause = 0.01 if busy else quiet - idle_for
            await asyncio.sleep(max(0.01, min(pause, deadline - now)))

    # ----------------------------------------------------------------------------------------------------------
    # HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        requested = request.match_info["method"]
        known = self._endpoints.get(requested.lower())
        method = known[0] if known else requested
        try:
            params, uploads = await read_params(request, method)
        except ApiError as error:
            self.calls.append((method, {}))
            return _error_response(error)
        self.calls.append((method, params))
        self._last_activity = time.monotonic()
        # A waiting long poll is the bot being idle, not busy.
        counts_as_work = method != "getUpdates"
        if counts_as_work:
            self._in_flight += 1
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if known is None:
                raise ApiError(404, "Not Found: method not found")
            await self._faults.before_answer(method, as_int(params.get("chat_id")))
            result = await known[1](Call(method, params, uploads))
            self._faults.after_answer(method)
        except ApiError as error:
            return _error_response(error)
        finally:
            if counts_as_work:
                self._in_flight -= 1
            self._last_activity = time.monotonic()
        return _json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return _error_response(ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


def _error_response(error: ApiError) -> web.Response:
    return _json_response(error.payload(), status=error.status)


def _json_response(payload: JSONDict, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")
