"""Updates in: what users do (messages, contacts, photos, button presses), queued until the bot takes them with
getUpdates, and the webhook registration that rules polling out."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections import deque
from typing import Final

from bot.sandbox.telegram.api import ApiError, Call, Endpoint, JSONDict, as_int
from bot.sandbox.telegram.chats import Chats, FakeUser, user_json
from bot.sandbox.telegram.files import Files
from bot.sandbox.telegram.html import utf16_len
from bot.sandbox.telegram.outbox import Sent

# Update kinds that Telegram sends only when asked for them in allowed_updates.
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Updates:
    """The update queue with its long polls, the `webhook` set by the bot, and callback queries awaiting answers."""

    def __init__(self, chats: Chats, files: Files, first_update_id: int = 1) -> None:
        self._chats = chats
        self._files = files
        self.webhook: JSONDict | None = None
        # Queued updates were never fetched; delivered ones were fetched but not yet confirmed by an offset.
        self._queued: deque[JSONDict] = deque()
        self._delivered: deque[JSONDict] = deque()
        self._next_update_id = first_update_id  # Telegram numbers a bot's updates on, whatever its token
        self._updates_arrived = asyncio.Event()
        self._poll_generation = 0
        self._allowed_updates: frozenset[str] | None = None
        self._closed = False
        self._callback_numbers = itertools.count(4_321_000_000_000_000_001)
        self._open_callbacks: set[str] = set()
        self._callback_by_update: dict[int, str] = {}
        self._callback_answers: dict[str, JSONDict] = {}
        self._pushed: dict[int, JSONDict] = {}  # every update as first pushed, to replay it

    def endpoints(self) -> dict[str, Endpoint]:
        return {
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "answerCallbackQuery": self._answer_callback_query,
        }

    @property
    def unfetched(self) -> int:
        """How many pushed updates the bot has not taken yet."""
        return len(self._queued)

    def open(self) -> None:
        """Let long polls wait again, as when the server (re)starts listening."""
        self._closed = False

    def close(self) -> None:
        """End waiting long polls at once, and let later ones return without waiting."""
        self._closed = True
        self._updates_arrived.set()

    def callback_answer(self, update_id: int) -> JSONDict | None:
        """The answerCallbackQuery params the bot gave to the callback pushed as `update_id`, if it answered."""
        callback_id = self._callback_by_update.get(update_id)
        return None if callback_id is None else self._callback_answers.get(callback_id)

    # ----------------------------------------------------------------------------------------------------------
    # Pushing updates (the user's side)

    def push_update(self, update: JSONDict, update_id: int | None = None) -> int:
        """Queue a raw update; an explicit `update_id` may repeat an earlier one to replay it."""
        if update_id is None:
            update_id = self._next_update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        queued = {**update, "update_id": update_id}
        self._pushed[update_id] = queued
        message = queued.get("message")
        if isinstance(message, dict):
            self._chats.remember_incoming(message)
        self._queued.append(queued)
        self._updates_arrived.set()
        return update_id

    def take_queued(self) -> list[JSONDict]:
        """Every update waiting, taken at once: for whoever plays Telegram's webhook delivery to the bot."""
        taken = [update for update in self._queued if self._is_allowed(update)]
        self._queued.clear()
        return taken

    def replay(self, update_id: int) -> None:
        """Hand out an update pushed before once more, as Telegram does when the bot did not confirm it."""
        self._queued.append(self._pushed[update_id])
        self._updates_arrived.set()

    def push_text(self, user: FakeUser, text: str, *, chat_id: int | None = None) -> int:
        """A text message from `user` (in the group `chat_id` if given); a leading /command gets its bot_command
        entity like in Telegram."""
        content: JSONDict = {"text": text}
        if command := _BOT_COMMAND.match(text):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        return self.push_update({"message": self._chats.user_message(user, content, chat_id)})

    def push_chat_member(self, user: FakeUser, old: str, new: str, *, chat_id: int | None = None) -> int:
        """A change of the bot's own membership made by `user`: in their private chat ("member" -> "kicked" is
        blocking the bot, the reverse restarting it), or in the group `chat_id` ("left" -> "member": added)."""
        self._chats.remember_user(user)
        bot = self._chats.bot_user

        def status(name: str) -> JSONDict:
            return {"status": name, "user": bot, **({"until_date": 0} if name == "kicked" else {})}

        change = {
            "chat": self._chats.chat(user.id if chat_id is None else chat_id),
            "from": user_json(user),
            "date": int(time.time()),
            "old_chat_member": status(old),
            "new_chat_member": status(new),
        }
        return self.push_update({"my_chat_member": change})

    def push_contact(self, user: FakeUser, phone: str, contact_user_id: int | None) -> int:
        """A shared contact; `contact_user_id` is None for a contact who is not a Telegram user."""
        contact: JSONDict = {"phone_number": phone, "first_name": user.first_name}
        if user.last_name is not None:
            contact["last_name"] = user.last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self.push_update({"message": self._chats.user_message(user, {"contact": contact})})

    def push_photo(
        self, user: FakeUser, caption: str | None = None, *, content: bytes | None = None, file_name: str = "photo.jpg"
    ) -> int:
        """A photo from `user` (a small generated image unless `content` is given); the bot can download it."""
        message_content: JSONDict = {"photo": self._files.user_photo(content, file_name)}
        if caption is not None:
            message_content["caption"] = caption
        return self.push_update({"message": self._chats.user_message(user, message_content)})

    def push_callback(self, user: FakeUser, message: Sent, data: str) -> int:
        """A press on a button of a bot message, carrying the message as it is now (after edits)."""
        current = self._chats.message(message.chat_id, message.message_id)
        if current is None:
            msg = f"message {message.message_id} in chat {message.chat_id} was deleted; nobody can press its buttons"
            raise AssertionError(msg)
        self._chats.remember_user(user)
        callback_id = str(next(self._callback_numbers))
        query = {
            "id": callback_id,
            "from": user_json(user),
            "message": current,
            "chat_instance": str(abs(hash((message.chat_id, self._chats.bot_user["id"])))),
            "data": data,
        }
        self._open_callbacks.add(callback_id)
        update_id = self.push_update({"callback_query": query})
        self._callback_by_update[update_id] = callback_id
        return update_id

    # ----------------------------------------------------------------------------------------------------------
    # Endpoints (the bot's side)

    async def _get_updates(self, call: Call) -> list[JSONDict]:
        if self.webhook is not None:
            raise ApiError(
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
        offset = as_int(params.get("offset"))
        if offset is not None:
            self._confirm(offset)
        limit = min(max(as_int(params.get("limit")) or 100, 1), 100)
        timeout = max(as_int(params.get("timeout")) or 0, 0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._take(limit)
            remaining = deadline - loop.time()
            if batch or self._closed or remaining <= 0:
                return batch
            self._updates_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_arrived.wait(), remaining)
            if generation != self._poll_generation:
                raise ApiError(
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

    async def _set_webhook(self, call: Call) -> bool:
        url = str(call.params.get("url") or "")
        if not url:
            # An empty URL is how the Bot API removes a webhook.
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = call.params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: bad webhook: secret token contains unallowed characters")
        self.webhook = dict(call.params)
        if call.params.get("drop_pending_updates"):
            self._drop_pending_updates()
        return True

    async def _delete_webhook(self, call: Call) -> bool:
        self.webhook = None
        if call.params.get("drop_pending_updates"):
            self._drop_pending_updates()
        return True

    async def _get_webhook_info(self, call: Call) -> JSONDict:
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

    def _drop_pending_updates(self) -> None:
        self._queued.clear()
        self._delivered.clear()

    async def _answer_callback_query(self, call: Call) -> bool:
        callback_id = str(call.params.get("callback_query_id", ""))
        if callback_id not in self._open_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._open_callbacks.discard(callback_id)
        self._callback_answers[callback_id] = call.params
        return True
