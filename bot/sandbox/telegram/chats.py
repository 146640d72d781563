"""Users, chats and every message in them, as both sides of a chat see them; also getChat."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.sandbox.telegram.api import ApiError, Call, Endpoint, JSONDict, as_int


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user played by a test."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"


class Chats:
    """Messages of both sides, indexed per chat so that no request scans the whole history."""

    def __init__(self, bot_user: JSONDict) -> None:
        self.bot_user = bot_user
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, JSONDict] = {}
        self._messages: dict[int, dict[int, JSONDict]] = {}
        self._last_message_id: dict[int, int] = {}
        self.left: list[int] = []  # groups the bot left, in order

    def endpoints(self) -> dict[str, Endpoint]:
        return {"getChat": self._get_chat, "leaveChat": self._leave_chat}

    def remember_user(self, user: FakeUser) -> None:
        # The latest FakeUser with an id wins, so a test may rename a user between messages.
        if self._users.get(user.id) != user:
            self._users[user.id] = user
            self._chats.pop(user.id, None)

    def user_message(self, user: FakeUser, content: JSONDict, chat_id: int | None = None) -> JSONDict:
        """A new message from `user` in their private chat with the bot, or in the group `chat_id`."""
        self.remember_user(user)
        return self._new_message(user.id if chat_id is None else chat_id, user_json(user), content)

    def bot_message(self, chat_id: int, content: JSONDict) -> JSONDict:
        """A new message from the bot."""
        return self._new_message(chat_id, self.bot_user, content)

    def remember_incoming(self, message: JSONDict) -> None:
        """Keep messages of raw updates too, so the bot can copy, forward or delete them."""
        chat = message.get("chat")
        message_id = message.get("message_id")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int) and isinstance(message_id, int):
            chat_id = chat["id"]
            self._messages.setdefault(chat_id, {})[message_id] = message
            self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The message as it is now (after edits), or None if it never existed or was deleted."""
        return self._messages.get(chat_id, {}).get(message_id)

    def replace(self, message: JSONDict) -> None:
        """Store an edited message in place of the original, which stays as it was for whoever holds it."""
        self._messages[message["chat"]["id"]][message["message_id"]] = message

    def delete(self, chat_id: int, message_id: int) -> bool:
        """Forget the message; False if there was none to delete."""
        return self._messages.get(chat_id, {}).pop(message_id, None) is not None

    def chat(self, chat_id: int) -> JSONDict:
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
            "chat": self.chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    async def _leave_chat(self, call: Call) -> bool:
        chat_id = chat_param(call.params, "chat_id")
        if chat_id > 0:
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self.left.append(chat_id)
        return True

    async def _get_chat(self, call: Call) -> JSONDict:
        chat_id = chat_param(call.params, "chat_id")
        return {
            **self.chat(chat_id),
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


def chat_param(params: JSONDict, key: str) -> int:
    """A chat id parameter, refused as Telegram refuses it when empty or not a number."""
    raw = params.get(key)
    if raw is None or raw == "":
        raise ApiError(400, f"Bad Request: {key} is empty")
    chat_id = as_int(raw)
    if chat_id is None:
        # @usernames are not resolved by the fake.
        raise ApiError(400, "Bad Request: chat not found")
    return chat_id


def user_json(user: FakeUser) -> JSONDict:
    """The User object of a FakeUser, without the fields it leaves unset."""
    data: JSONDict = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    for key in ("last_name", "username", "language_code"):
        value = getattr(user, key)
        if value is not None:
            data[key] = value
    return data
