"""A fake Telegram Bot API server that a real aiogram `Bot` talks to over HTTP, for end-to-end tests and benchmarks.

Point aiogram at it with `AiohttpSession(api=TelegramAPIServer.from_base(fake.url))`. Users are played by the test
through `push_*`; every bot call is answered like Telegram would and recorded in `calls` and, if it produced or
changed a message, in `sent`. Parse errors, 403 for blocked users, "message is not modified" and the like are
reproduced on purpose, so that bugs which Telegram would reject fail in tests too.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import functools
import io
import itertools
import json
import mimetypes
import re
import time
import types
import typing
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Final, Self

from aiogram import methods as aiogram_methods
from aiogram.client.default import Default
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web
from PIL import Image

from bot.sandbox.telegram.html import HtmlParseError, parse_html, utf16_len

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_UPLOAD_BYTES: Final = 50 * 1024 * 1024
# Telegram keeps a small preview size besides the original for photos larger than this.
PHOTO_PREVIEW_SIDE: Final = 320

BLOCKED_DESCRIPTION: Final = "Forbidden: bot was blocked by the user"
NOT_MODIFIED_DESCRIPTION: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_STATUS_DESCRIPTIONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
# Update kinds that Telegram sends only when asked for them in allowed_updates.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Inline button keys that only decorate a button; a button needs at least one other key (an action).
_COSMETIC_BUTTON_KEYS: Final = frozenset({"text", "icon_custom_emoji_id", "style", "disabled"})
# Keys a copied or forwarded message does not inherit from its source.
_MESSAGE_META_KEYS: Final = frozenset(
    {"message_id", "from", "chat", "date", "edit_date", "reply_markup", "forward_origin", "reply_to_message"}
)
_BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user played by a test."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"


@dataclass(slots=True)
class Sent:
    """One accepted bot call that produced or changed a message; `text` is what the user sees (HTML tags parsed)."""

    method: str
    chat_id: int
    message_id: int
    text: str | None
    reply_markup: JSONDict | None
    params: JSONDict
    file_bytes: bytes | None
    file_name: str | None
    at: float

    def buttons(self) -> list[JSONDict]:
        """Inline or reply keyboard buttons in reading order; plain-string reply buttons become `{"text": ...}`."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button if isinstance(button, dict) else {"text": button} for row in rows for button in row]

    def button(self, text_contains: str) -> JSONDict:
        """The first button whose text contains `text_contains`, so tests can click buttons by their label."""
        buttons = self.buttons()
        for button in buttons:
            if text_contains in str(button.get("text", "")):
                return button
        labels = [button.get("text") for button in buttons]
        msg = f"no button containing {text_contains!r} in message {self.message_id} to {self.chat_id}: {labels}"
        raise AssertionError(msg)


class _ApiError(Exception):
    """A Bot API error answer; raised by endpoints and turned into the JSON Telegram would send."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        payload: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            payload["parameters"] = {"retry_after": self.retry_after}
        return _json_response(payload, status=self.status)


@dataclass(frozen=True)
class _Upload:
    data: bytes
    filename: str


@dataclass(frozen=True)
class _Call:
    method: str
    params: JSONDict
    uploads: dict[str, _Upload]


@dataclass
class _StoredFile:
    """A file Telegram would keep: uploads by the bot and photos sent by users, fetchable by getFile."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    path: str
    name: str | None
    mime_type: str | None
    width: int = 0
    height: int = 0
    photo_sizes: list[JSONDict] | None = None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int


_Endpoint = Callable[[_Call], Awaitable[Any]]


class FakeTelegram:
    """The fake Bot API server: state of chats, messages, files and updates, plus fault injection."""

    def __init__(self, token: str = "123456:TEST-token", bot_username: str = "loyalty_test_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, JSONDict]] = []
        self.webhook: JSONDict | None = None
        self.commands: dict[tuple[str, str], JSONDict] = {}
        self.deleted: list[tuple[int, int]] = []
        self._bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Loyalty Test Bot",
            "username": bot_username,
        }
        # Chats and messages, indexed per chat so that no request scans the whole history.
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, JSONDict] = {}
        self._messages: dict[int, dict[int, JSONDict]] = {}
        self._last_message_id: dict[int, int] = {}
        self._sent_by_chat: dict[int, list[int]] = {}
        self._waiters: dict[int, set[asyncio.Event]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_numbers = itertools.count(1)
        # Updates: queued ones were never fetched; delivered ones were fetched but not yet confirmed by an offset.
        self._queued: deque[JSONDict] = deque()
        self._delivered: deque[JSONDict] = deque()
        self._next_update_id = 1
        self._updates_arrived = asyncio.Event()
        self._poll_generation = 0
        self._allowed_updates: frozenset[str] | None = None
        self._callback_numbers = itertools.count(4_321_000_000_000_000_001)
        self._open_callbacks: set[str] = set()
        self._callback_by_update: dict[int, str] = {}
        self._callback_answers: dict[str, JSONDict] = {}
        # Faults and load.
        self._blocked: set[int] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._closing = False
        endpoints: dict[str, _Endpoint] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "logOut": self._ok,
            "close": self._ok,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getFile": self._get_file,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
        }
        # Telegram method names are case-insensitive; calls are recorded under the canonical spelling.
        self._endpoints = {name.lower(): (name, endpoint) for name, endpoint in endpoints.items()}

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
        self._closing = False

    async def close(self) -> None:
        """Stop listening; pending long polls return at once."""
        if self._runner is None:
            return
        self._closing = True
        self._updates_arrived.set()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ----------------------------------------------------------------------------------------------------------
    # Assertions

    def messages_to(self, chat_id: int) -> list[Sent]:
        """Everything the bot sent or edited in one chat, in order."""
        return [self.sent[index] for index in self._sent_by_chat.get(chat_id, [])]

    def commands_for(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands last set for a scope (default scope if None) and language."""
        params = self.commands.get(_scope_key(scope, language_code))
        return list(params["commands"]) if params else []

    def callback_answer(self, update_id: int) -> JSONDict | None:
        """The answerCallbackQuery params the bot gave to the callback pushed as `update_id`, if it answered."""
        callback_id = self._callback_by_update.get(update_id)
        return None if callback_id is None else self._callback_answers.get(callback_id)

    async def wait_for(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        method: str | None = None,
        after: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the agreed API, reads better than asyncio.timeout in tests
    ) -> Sent:
        """The first Sent to `chat_id` at index >= `after` in `sent` that matches, waiting for it if needed."""
        indexes = self._sent_by_chat.setdefault(chat_id, [])
        position = bisect.bisect_left(indexes, after) if after else 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        arrived = asyncio.Event()
        waiters = self._waiters.setdefault(chat_id, set())
        waiters.add(arrived)
        try:
            while True:
                # Only messages not looked at yet are checked, so waiting costs nothing per old message.
                while position < len(indexes):
                    sent = self.sent[indexes[position]]
                    position += 1
                    if _matches(sent, contains, method):
                        return sent
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise AssertionError(self._describe_wait(chat_id, contains, method, after, timeout))
                arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), remaining)
        finally:
            waiters.discard(arrived)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10) -> None:  # noqa: ASYNC109 - agreed API
        """Wait until the bot fetched every pushed update and made no call for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            idle_for = now - self._last_activity
            busy = bool(self._queued) or self._in_flight > 0
            if not busy and idle_for >= quiet:
                return
            if now >= deadline:
                msg = (
                    f"bot not idle after {timeout}s: {len(self._queued)} updates not fetched, "
                    f"{self._in_flight} calls in flight, last call {idle_for:.2f}s ago"
                )
                raise AssertionError(msg)
            pause = 0.01 if busy else quiet - idle_for
            await asyncio.sleep(max(0.01, min(pause, deadline - now)))

    def _describe_wait(
        self, chat_id: int, contains: str | None, method: str | None, after: int | None, timeout: float
    ) -> str:
        recent = self._sent_by_chat.get(chat_id, [])[-10:]
        lines = [
            f"  #{index} {self.sent[index].method} id={self.sent[index].message_id}: {self.sent[index].text!r}"
            for index in recent
        ]
        wanted = f"contains={contains!r} method={method!r} after={after}"
        listing = "\n".join(lines) or "  (none)"
        return f"no message to chat {chat_id} with {wanted} within {timeout}s; last messages there:\n{listing}"

    # ----------------------------------------------------------------------------------------------------------
    # Pushing updates (the user's side)

    def push_update(self, update: JSONDict, update_id: int | None = None) -> int:
        """Queue a raw update; an explicit `update_id` may repeat an earlier one to replay it."""
        if update_id is None:
            update_id = self._next_update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        queued = {**update, "update_id": update_id}
        message = queued.get("message")
        if isinstance(message, dict):
            self._remember_incoming(message)
        self._queued.append(queued)
        self._updates_arrived.set()
        return update_id

    def push_text(self, user: FakeUser, text: str) -> int:
        """A text message from `user`; a leading /command gets its bot_command entity like in Telegram."""
        content: JSONDict = {"text": text}
        if command := _BOT_COMMAND.match(text):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        return self.push_update({"message": self._user_message(user, content)})

    def push_contact(self, user: FakeUser, phone: str, contact_user_id: int | None) -> int:
        """A shared contact; `contact_user_id` is None for a contact who is not a Telegram user."""
        contact: JSONDict = {"phone_number": phone, "first_name": user.first_name}
        if user.last_name is not None:
            contact["last_name"] = user.last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self.push_update({"message": self._user_message(user, {"contact": contact})})

    def push_photo(
        self, user: FakeUser, caption: str | None = None, *, content: bytes | None = None, file_name: str = "photo.jpg"
    ) -> int:
        """A photo from `user` (a small generated image unless `content` is given); the bot can download it."""
        data = _default_photo() if content is None else content
        size = _image_size(data)
        if size is None:
            msg = "push_photo content is not an image Telegram could process"
            raise ValueError(msg)
        stored = self._store_file("photo", data, file_name, size)
        message_content: JSONDict = {"photo": self._photo_sizes(stored)}
        if caption is not None:
            message_content["caption"] = caption
        return self.push_update({"message": self._user_message(user, message_content)})

    def push_callback(self, user: FakeUser, message: Sent, data: str) -> int:
        """A press on a button of a bot message, carrying the message as it is now (after edits)."""
        current = self._messages.get(message.chat_id, {}).get(message.message_id)
        if current is None:
            msg = f"message {message.message_id} in chat {message.chat_id} was deleted; nobody can press its buttons"
            raise AssertionError(msg)
        self._remember_user(user)
        callback_id = str(next(self._callback_numbers))
        query = {
            "id": callback_id,
            "from": _user_json(user),
            "message": current,
            "chat_instance": str(abs(hash((message.chat_id, self.bot_id)))),
            "data": data,
        }
        self._open_callbacks.add(callback_id)
        update_id = self.push_update({"callback_query": query})
        self._callback_by_update[update_id] = callback_id
        return update_id

    def _user_message(self, user: FakeUser, content: JSONDict) -> JSONDict:
        self._remember_user(user)
        return self._new_message(user.id, _user_json(user), content)

    def _remember_user(self, user: FakeUser) -> None:
        # The latest FakeUser with an id wins, so a test may rename a user between messages.
        if self._users.get(user.id) != user:
            self._users[user.id] = user
            self._chats.pop(user.id, None)

    def _remember_incoming(self, message: JSONDict) -> None:
        """Keep messages of raw updates too, so the bot can copy, forward or delete them."""
        chat = message.get("chat")
        message_id = message.get("message_id")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int) and isinstance(message_id, int):
            chat_id = chat["id"]
            self._messages.setdefault(chat_id, {})[message_id] = message
            self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)

    # ----------------------------------------------------------------------------------------------------------
    # Faults

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with an error; `retry_after` is sent only with status 429."""
        retry = retry_after if status == 429 else None
        if description is None:
            description = _STATUS_DESCRIPTIONS.get(status, "Error")
            if retry is not None:
                description = f"{description}: retry after {retry}"
        fault = _Fault(status=status, description=description, retry_after=retry, remaining=times)
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def block_user(self, chat_id: int) -> None:
        """Make sends and edits to this chat fail with 403, as after the user blocked the bot."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        """Undo `block_user`, as when the user restarts the bot."""
        self._blocked.discard(chat_id)

    def set_delay(self, seconds: float, method: str | None = None) -> None:
        """Answer `method` (every method if None) only after `seconds`; 0 removes the delay."""
        key = "" if method is None else method.lower()
        if seconds > 0:
            self._delays[key] = seconds
        else:
            self._delays.pop(key, None)

    def _raise_injected_fault(self, method: str) -> None:
        faults = self._faults.get(method.lower())
        if not faults:
            return
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.popleft()
        raise _ApiError(fault.status, fault.description, fault.retry_after)

    # ----------------------------------------------------------------------------------------------------------
    # HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        requested = request.match_info["method"]
        known = self._endpoints.get(requested.lower())
        method = known[0] if known else requested
        try:
            params, uploads = await _read_params(request, method)
        except _ApiError as error:
            self.calls.append((method, {}))
            return error.response()
        self.calls.append((method, params))
        self._last_activity = time.monotonic()
        # A waiting long poll is the bot being idle, not busy.
        counts_as_work = method != "getUpdates"
        if counts_as_work:
            self._in_flight += 1
        try:
            if request.match_info["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            if known is None:
                raise _ApiError(404, "Not Found: method not found")
            delay = self._delays.get(method.lower(), self._delays.get("", 0.0))
            if delay:
                await asyncio.sleep(delay)
            self._raise_injected_fault(method)
            result = await known[1](_Call(method, params, uploads))
        except _ApiError as error:
            return error.response()
        finally:
            if counts_as_work:
                self._in_flight -= 1
            self._last_activity = time.monotonic()
        return _json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return _ApiError(404, "Not Found").response()
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    # ----------------------------------------------------------------------------------------------------------
    # Endpoints: bot setup

    async def _ok(self, call: _Call) -> bool:
        return True

    async def _get_me(self, call: _Call) -> JSONDict:
        return {
            **self._bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, call: _Call) -> bool:
        url = str(call.params.get("url") or "")
        if not url:
            # An empty URL is how the Bot API removes a webhook.
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = call.params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise _ApiError(400, "Bad Request: bad webhook: secret token contains unallowed characters")
        self.webhook = dict(call.params)
        if call.params.get("drop_pending_updates"):
            self._drop_pending_updates()
        return True

    async def _delete_webhook(self, call: _Call) -> bool:
        self.webhook = None
        if call.params.get("drop_pending_updates"):
            self._drop_pending_updates()
        return True

    async def _get_webhook_info(self, call: _Call) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queued) + len(self._delivered),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            if "allowed_updates" in self.webhook:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _set_my_commands(self, call: _Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[_scope_key(call.params.get("scope"), call.params.get("language_code"))] = call.params
        return True

    async def _delete_my_commands(self, call: _Call) -> bool:
        self.commands.pop(_scope_key(call.params.get("scope"), call.params.get("language_code")), None)
        return True

    async def _get_my_commands(self, call: _Call) -> list[JSONDict]:
        return self.commands_for(call.params.get("scope"), call.params.get("language_code") or "")

    # ----------------------------------------------------------------------------------------------------------
    # Endpoints: updates

    async def _get_updates(self, call: _Call) -> list[JSONDict]:
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
            )
        params = call.params
        # A newer poll takes over; an older one still waiting is woken up to be told so, as Telegram does.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_arrived.set()
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = frozenset(allowed) if allowed else None
        offset = _as_int(params.get("offset"))
        if offset is not None:
            self._confirm(offset)
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = max(_as_int(params.get("timeout")) or 0, 0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._take(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            self._updates_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_arrived.wait(), remaining)
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )

    def _confirm(self, offset: int) -> None:
        """Forget delivered updates the offset confirms, including any delivered before a confirmed one."""
        if offset < 0:
            return
        # Everything delivered up to the last update below the offset is confirmed: with a replayed low update_id
        # in a batch, comparing ids alone would pin the higher ids delivered before it and redeliver them forever.
        confirmed = 0
        for position, update in enumerate(self._delivered, start=1):
            if update["update_id"] < offset:
                confirmed = position
        for _ in range(confirmed):
            self._delivered.popleft()

    def _take(self, limit: int) -> list[JSONDict]:
        batch = list(itertools.islice(self._delivered, limit))
        while self._queued and len(batch) < limit:
            update = self._queued.popleft()
            if not self._is_allowed(update):
                continue
            self._delivered.append(update)
            batch.append(update)
        return batch

    def _is_allowed(self, update: JSONDict) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _drop_pending_updates(self) -> None:
        self._queued.clear()
        self._delivered.clear()

    # ----------------------------------------------------------------------------------------------------------
    # Endpoints: messages

    async def _send_message(self, call: _Call) -> JSONDict:
        chat_id = self._target_chat(call.params)
        formatted = _formatted(call.params, "text", "entities", MAX_TEXT_LENGTH, "message is too long")
        if formatted is None or not formatted[0].strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        markup = _reply_markup(call.params)
        content = _with_markup(_text_content("text", "entities", formatted), markup)
        message = self._new_message(chat_id, self._bot_user, content)
        self._record(call, message, markup)
        return message

    async def _send_photo(self, call: _Call) -> JSONDict:
        chat_id = self._target_chat(call.params)
        stored = self._input_file(call, "photo")
        markup = _reply_markup(call.params)
        content = {"photo": self._photo_sizes(stored), **self._caption(call.params)}
        message = self._new_message(chat_id, self._bot_user, _with_markup(content, markup))
        self._record(call, message, markup, stored)
        return message

    async def _send_document(self, call: _Call) -> JSONDict:
        chat_id = self._target_chat(call.params)
        stored = self._input_file(call, "document")
        markup = _reply_markup(call.params)
        content = {"document": _document_json(stored), **self._caption(call.params)}
        message = self._new_message(chat_id, self._bot_user, _with_markup(content, markup))
        self._record(call, message, markup, stored)
        return message

    async def _edit_message_text(self, call: _Call) -> JSONDict:
        current = self._editable_message(call.params)
        if "text" not in current:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        formatted = _formatted(call.params, "text", "entities", MAX_TEXT_LENGTH, "message is too long")
        if formatted is None or not formatted[0].strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        markup = _reply_markup(call.params)
        return self._apply_edit(call, current, _text_content("text", "entities", formatted), markup)

    async def _edit_message_caption(self, call: _Call) -> JSONDict:
        current = self._editable_message(call.params)
        if "text" in current:
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        markup = _reply_markup(call.params)
        return self._apply_edit(call, current, self._caption(call.params), markup)

    async def _edit_message_reply_markup(self, call: _Call) -> JSONDict:
        current = self._editable_message(call.params)
        markup = _reply_markup(call.params)
        content: JSONDict = {
            key: current[key] for key in ("text", "entities", "caption", "caption_entities") if key in current
        }
        return self._apply_edit(call, current, content, markup)

    async def _delete_message(self, call: _Call) -> bool:
        chat_id = self._chat_param(call.params, "chat_id")
        message_id = _as_int(call.params.get("message_id"))
        chat_messages = self._messages.get(chat_id, {})
        if message_id is None or chat_messages.pop(message_id, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        self.deleted.append((chat_id, message_id))
        return True

    async def _copy_message(self, call: _Call) -> JSONDict:
        source = self._source_message(call.params, "copy")
        chat_id = self._target_chat(call.params)
        content = {key: value for key, value in source.items() if key not in _MESSAGE_META_KEYS}
        if "caption" in call.params and "text" not in content:
            content = {key: value for key, value in content.items() if key not in ("caption", "caption_entities")}
            content.update(self._caption(call.params))
        markup = _reply_markup(call.params)
        message = self._new_message(chat_id, self._bot_user, _with_markup(content, markup))
        self._record(call, message, markup, self._media_file(message))
        return {"message_id": message["message_id"]}

    async def _forward_message(self, call: _Call) -> JSONDict:
        source = self._source_message(call.params, "forward")
        chat_id = self._target_chat(call.params)
        content = {key: value for key, value in source.items() if key not in _MESSAGE_META_KEYS}
        content["forward_origin"] = source.get("forward_origin") or {
            "type": "user",
            "sender_user": source.get("from", self._bot_user),
            "date": source["date"],
        }
        message = self._new_message(chat_id, self._bot_user, content)
        self._record(call, message, None, self._media_file(message))
        return message

    async def _answer_callback_query(self, call: _Call) -> bool:
        callback_id = str(call.params.get("callback_query_id", ""))
        if callback_id not in self._open_callbacks:
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._open_callbacks.discard(callback_id)
        self._callback_answers[callback_id] = call.params
        return True

    async def _send_chat_action(self, call: _Call) -> bool:
        self._target_chat(call.params)
        return True

    async def _get_chat(self, call: _Call) -> JSONDict:
        chat_id = self._chat_param(call.params, "chat_id")
        return {
            **self._chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def _get_file(self, call: _Call) -> JSONDict:
        stored = self._files.get(str(call.params.get("file_id", "")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    # ----------------------------------------------------------------------------------------------------------
    # Message and file store

    def _chat(self, chat_id: int) -> JSONDict:
        """The Chat object; a private chat with anyone the bot writes to exists even if they never wrote."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                user = self._users.get(chat_id) or FakeUser(id=chat_id)
                chat = {"id": chat_id, "type": "private", "first_name": user.first_name}
                if user.last_name is not None:
                    chat["last_name"] = user.last_name
                if user.username is not None:
                    chat["username"] = user.username
            else:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                chat = {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}
            self._chats[chat_id] = chat
        return chat

    def _new_message(self, chat_id: int, sender: JSONDict, content: JSONDict) -> JSONDict:
        # Message ids count per chat, shared by both sides of a private chat, as in Telegram.
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def _record(
        self, call: _Call, message: JSONDict, markup: JSONDict | None, stored: _StoredFile | None = None
    ) -> None:
        chat_id = message["chat"]["id"]
        sent = Sent(
            method=call.method,
            chat_id=chat_id,
            message_id=message["message_id"],
            text=message.get("text", message.get("caption")),
            reply_markup=markup,
            params=call.params,
            file_bytes=stored.data if stored is not None and stored.data else None,
            file_name=stored.name if stored is not None else None,
            at=time.monotonic(),
        )
        self._sent_by_chat.setdefault(chat_id, []).append(len(self.sent))
        self.sent.append(sent)
        for waiter in self._waiters.get(chat_id, ()):
            waiter.set()

    def _apply_edit(self, call: _Call, current: JSONDict, content: JSONDict, markup: JSONDict | None) -> JSONDict:
        kept = {key: value for key, value in current.items() if key not in _EDITABLE_KEYS}
        edited = _with_markup({**kept, **content}, markup)
        unchanged = all(current.get(key) == edited.get(key) for key in _EDITABLE_KEYS)
        if unchanged:
            raise _ApiError(400, NOT_MODIFIED_DESCRIPTION)
        edited["edit_date"] = int(time.time())
        # Stored messages are replaced, never mutated, so queued updates keep the state they were pushed with.
        self._messages[current["chat"]["id"]][current["message_id"]] = edited
        self._record(call, edited, markup, self._media_file(edited))
        return edited

    def _editable_message(self, params: JSONDict) -> JSONDict:
        if params.get("inline_message_id") is not None:
            raise _ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat_id = self._target_chat(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        current = self._messages.get(chat_id, {}).get(message_id)
        if current is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if current["from"]["id"] != self.bot_id:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return current

    def _source_message(self, params: JSONDict, verb: str) -> JSONDict:
        from_chat_id = self._chat_param(params, "from_chat_id")
        message_id = _as_int(params.get("message_id"))
        source = self._messages.get(from_chat_id, {}).get(message_id or 0)
        if source is None:
            raise _ApiError(400, f"Bad Request: message to {verb} not found")
        return source

    def _target_chat(self, params: JSONDict) -> int:
        chat_id = self._chat_param(params, "chat_id")
        if chat_id in self._blocked:
            raise _ApiError(403, BLOCKED_DESCRIPTION)
        return chat_id

    def _chat_param(self, params: JSONDict, key: str) -> int:
        raw = params.get(key)
        if raw is None or raw == "":
            raise _ApiError(400, f"Bad Request: {key} is empty")
        chat_id = _as_int(raw)
        if chat_id is None:
            # @usernames are not resolved by the fake.
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _caption(self, params: JSONDict) -> JSONDict:
        formatted = _formatted(params, "caption", "caption_entities", MAX_CAPTION_LENGTH, "message caption is too long")
        return {} if formatted is None else _text_content("caption", "caption_entities", formatted)

    def _input_file(self, call: _Call, key: str) -> _StoredFile:
        """Resolve a photo/document parameter: an upload (direct or attach://), a known file_id, or a URL."""
        value = call.params.get(key)
        upload = call.uploads.get(key)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = call.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if upload is not None:
            return self._store_upload(key, upload)
        if not isinstance(value, str) or not value:
            raise _ApiError(400, f"Bad Request: there is no {key} in the request")
        known = self._files.get(value)
        if known is not None:
            if known.kind != key:
                raise _ApiError(400, f"Bad Request: can't use file of type {known.kind.title()} as {key.title()}")
            return known
        if value.startswith(("http://", "https://")):
            # The fake has no network: a URL file is accepted without content.
            name = PurePosixPath(value.split("?", 1)[0]).name or key
            return self._store_file(key, b"", name, (800, 600) if key == "photo" else None)
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _store_upload(self, kind: str, upload: _Upload) -> _StoredFile:
        if not upload.data:
            raise _ApiError(400, "Bad Request: file must be non-empty")
        size = None
        if kind == "photo":
            size = _image_size(upload.data)
            if size is None:
                raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        return self._store_file(kind, upload.data, upload.filename, size)

    def _store_file(self, kind: str, data: bytes, name: str, size: tuple[int, int] | None) -> _StoredFile:
        number = next(self._file_numbers)
        prefix = "AgACAgIAAxkBAAI" if kind == "photo" else "BQACAgIAAxkBAAI"
        suffix = ".jpg" if kind == "photo" else PurePosixPath(name).suffix
        stored = _StoredFile(
            file_id=f"{prefix}{number:08d}{self.bot_id}",
            file_unique_id=f"AQAD{number:08d}",
            kind=kind,
            data=data,
            path=f"{kind}s/file_{number}{suffix}",
            name=name,
            mime_type=mimetypes.guess_type(name)[0],
            width=size[0] if size else 0,
            height=size[1] if size else 0,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    def _photo_sizes(self, stored: _StoredFile) -> list[JSONDict]:
        """PhotoSize list: a preview then the original, so bots that take `photo[0]` get the small one."""
        if stored.photo_sizes is None:
            sizes = [_photo_size_json(stored)]
            longest = max(stored.width, stored.height)
            if longest > PHOTO_PREVIEW_SIDE:
                # The preview shares the original's bytes: the fake does not resize images.
                scale = PHOTO_PREVIEW_SIDE / longest
                size = max(1, round(stored.width * scale)), max(1, round(stored.height * scale))
                preview = self._store_file("photo", stored.data, stored.name or "photo.jpg", size)
                preview.photo_sizes = [_photo_size_json(preview)]
                sizes.insert(0, preview.photo_sizes[0])
            stored.photo_sizes = sizes
        return stored.photo_sizes

    def _media_file(self, message: JSONDict) -> _StoredFile | None:
        if photo := message.get("photo"):
            return self._files.get(photo[-1]["file_id"])
        if document := message.get("document"):
            return self._files.get(document["file_id"])
        return None


# Message keys an edit can change; everything else of the message is kept.
_EDITABLE_KEYS: Final = ("text", "entities", "caption", "caption_entities", "reply_markup")


def _matches(sent: Sent, contains: str | None, method: str | None) -> bool:
    if method is not None and sent.method != method:
        return False
    return contains is None or (sent.text is not None and contains in sent.text)


def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
    """Key of `FakeTelegram.commands`: the scope as sorted JSON (default scope if absent) and the language."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True), str(language_code or "")


def _user_json(user: FakeUser) -> JSONDict:
    data: JSONDict = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    for key in ("last_name", "username", "language_code"):
        value = getattr(user, key)
        if value is not None:
            data[key] = value
    return data


def _photo_size_json(stored: _StoredFile) -> JSONDict:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": stored.width,
        "height": stored.height,
        "file_size": len(stored.data),
    }


def _document_json(stored: _StoredFile) -> JSONDict:
    document: JSONDict = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.name:
        document["file_name"] = stored.name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def _text_content(text_key: str, entities_key: str, formatted: tuple[str, list[JSONDict] | None]) -> JSONDict:
    text, entities = formatted
    content: JSONDict = {text_key: text}
    if entities:
        content[entities_key] = entities
    return content


def _with_markup(content: JSONDict, markup: JSONDict | None) -> JSONDict:
    """Messages carry only inline keyboards; reply keyboards are never echoed back by Telegram."""
    if markup is not None and markup.get("inline_keyboard"):
        return {**content, "reply_markup": {"inline_keyboard": markup["inline_keyboard"]}}
    return content


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None


def _json_response(payload: JSONDict, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")


# --------------------------------------------------------------------------------------------------------------
# Request parsing


async def _read_params(request: web.Request, method: str) -> tuple[JSONDict, dict[str, _Upload]]:
    """Parameters from the query, a JSON body, a urlencoded form or a multipart form (files kept apart)."""
    plain_strings = _plain_string_fields().get(method.lower(), frozenset())
    params: JSONDict = {key: _decode_field(key, value, plain_strings) for key, value in request.query.items()}
    uploads: dict[str, _Upload] = {}
    if not request.body_exists:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as error:
            raise _ApiError(400, "Bad Request: can't parse JSON body") from error
        if not isinstance(body, dict):
            raise _ApiError(400, "Bad Request: JSON body must be an object")
        params.update(body)
        return params, uploads
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge as error:
        raise _ApiError(413, "Request Entity Too Large") from error
    for key, value in form.items():
        if isinstance(value, web.FileField):
            with value.file:
                uploads[key] = _Upload(value.file.read(), value.filename)
        else:
            text = value if isinstance(value, str) else bytes(value).decode()
            params[key] = _decode_field(key, text, plain_strings)
    return params, uploads


def _decode_field(key: str, raw: str, plain_strings: frozenset[str]) -> Any:
    """aiogram form-encodes strings as they are and every other value (numbers, objects) as JSON."""
    if key in plain_strings:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@functools.cache
def _plain_string_fields() -> dict[str, frozenset[str]]:
    """Per lower-cased API method, the parameters typed as plain strings by aiogram (sent without JSON quoting)."""
    fields: dict[str, frozenset[str]] = {}
    for export in aiogram_methods.__all__:
        method = getattr(aiogram_methods, export)
        api_name = getattr(method, "__api_method__", None)
        if isinstance(api_name, str):
            fields[api_name.lower()] = frozenset(
                name for name, info in method.model_fields.items() if _is_plain_string(info.annotation)
            )
    return fields


def _is_plain_string(annotation: object) -> bool:
    if annotation is str:
        return True
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return False
    options = [option for option in typing.get_args(annotation) if option not in (type(None), Default)]
    return bool(options) and all(option is str for option in options)


def _reply_markup(params: JSONDict) -> JSONDict | None:
    """The reply_markup parameter, checked the way Telegram checks inline keyboards."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            markup = None
    if not isinstance(markup, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    return markup


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _ApiError(400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _ApiError(400, "Bad Request: can't parse inline keyboard button: Text must be a String")
        if not set(button) - _COSMETIC_BUTTON_KEYS:
            raise _ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
            raise _ApiError(400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


# --------------------------------------------------------------------------------------------------------------
# Formatting: the Bot API's HTML parse mode


def _formatted(
    params: JSONDict, text_key: str, entities_key: str, limit: int, too_long: str
) -> tuple[str, list[JSONDict] | None] | None:
    """Text as the user sees it plus its entities; None if the parameter is absent."""
    raw = params.get(text_key)
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else str(raw)
    parse_mode = str(params.get("parse_mode") or "")
    entities: list[JSONDict] | None
    if parse_mode.lower() == "html":
        try:
            text, entities = parse_html(text)
        except HtmlParseError as error:
            raise _ApiError(400, f"Bad Request: can't parse entities: {error}") from error
    else:
        # Markdown modes are passed through unparsed; explicit entities are kept as given.
        given = params.get(entities_key)
        entities = given if isinstance(given, list) else None
    if len(text) > limit:
        raise _ApiError(400, f"Bad Request: {too_long}")
    return text, entities


# --------------------------------------------------------------------------------------------------------------
# Images


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height if Pillow can read the image header, else None (Telegram would refuse the photo)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, SyntaxError):
        return None


@functools.cache
def _default_photo() -> bytes:
    """A small PNG for users' photos when a test does not care about their content."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()
