"""Messages out: the methods that send, edit, copy, forward and delete messages, refused where Telegram refuses them
and recorded in the outbox."""

from __future__ import annotations

import time
from typing import Final

from bot.sandbox.telegram.api import ApiError, Call, Endpoint, JSONDict, as_int
from bot.sandbox.telegram.chats import Chats, chat_param
from bot.sandbox.telegram.content import caption, message_text, reply_markup, with_markup
from bot.sandbox.telegram.faults import Faults
from bot.sandbox.telegram.files import Files, document_json
from bot.sandbox.telegram.outbox import Outbox

NOT_MODIFIED_DESCRIPTION: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
# Keys a copied or forwarded message does not inherit from its source.
_MESSAGE_META_KEYS: Final = frozenset(
    {"message_id", "from", "chat", "date", "edit_date", "reply_markup", "forward_origin", "reply_to_message"}
)
# Message keys an edit can change; everything else of the message is kept.
_EDITABLE_KEYS: Final = ("text", "entities", "caption", "caption_entities", "reply_markup")


class Messages:
    """The bot's message methods, writing to the chats and recording each accepted message in the outbox."""

    def __init__(self, chats: Chats, files: Files, outbox: Outbox, faults: Faults) -> None:
        self._chats = chats
        self._files = files
        self._outbox = outbox
        self._faults = faults

    def endpoints(self) -> dict[str, Endpoint]:
        return {
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
        }

    async def _send_message(self, call: Call) -> JSONDict:
        chat_id = self._target_chat(call.params)
        content = message_text(call.params)
        markup = reply_markup(call.params)
        message = self._chats.bot_message(chat_id, with_markup(content, markup))
        self._outbox.record(call, message, markup)
        return message

    async def _send_photo(self, call: Call) -> JSONDict:
        chat_id = self._target_chat(call.params)
        stored = self._files.input_file(call, "photo")
        markup = reply_markup(call.params)
        content = {"photo": self._files.photo_sizes(stored), **caption(call.params)}
        message = self._chats.bot_message(chat_id, with_markup(content, markup))
        self._outbox.record(call, message, markup, stored)
        return message

    async def _send_document(self, call: Call) -> JSONDict:
        chat_id = self._target_chat(call.params)
        stored = self._files.input_file(call, "document")
        markup = reply_markup(call.params)
        content = {"document": document_json(stored), **caption(call.params)}
        message = self._chats.bot_message(chat_id, with_markup(content, markup))
        self._outbox.record(call, message, markup, stored)
        return message

    async def _edit_message_text(self, call: Call) -> JSONDict:
        current = self._editable_message(call.params)
        if "text" not in current:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        content = message_text(call.params)
        return self._apply_edit(call, current, content, reply_markup(call.params))

    async def _edit_message_caption(self, call: Call) -> JSONDict:
        current = self._editable_message(call.params)
        if "text" in current:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        markup = reply_markup(call.params)
        return self._apply_edit(call, current, caption(call.params), markup)

    async def _edit_message_reply_markup(self, call: Call) -> JSONDict:
        current = self._editable_message(call.params)
        markup = reply_markup(call.params)
        content: JSONDict = {
            key: current[key] for key in ("text", "entities", "caption", "caption_entities") if key in current
        }
        return self._apply_edit(call, current, content, markup)

    async def _delete_message(self, call: Call) -> bool:
        chat_id = chat_param(call.params, "chat_id")
        message_id = as_int(call.params.get("message_id"))
        if message_id is None or not self._chats.delete(chat_id, message_id):
            raise ApiError(400, "Bad Request: message to delete not found")
        self._outbox.deleted.append((chat_id, message_id))
        return True

    async def _copy_message(self, call: Call) -> JSONDict:
        source = self._source_message(call.params, "copy")
        chat_id = self._target_chat(call.params)
        content = {key: value for key, value in source.items() if key not in _MESSAGE_META_KEYS}
        if "caption" in call.params and "text" not in content:
            content = {key: value for key, value in content.items() if key not in ("caption", "caption_entities")}
            content.update(caption(call.params))
        markup = reply_markup(call.params)
        message = self._chats.bot_message(chat_id, with_markup(content, markup))
        self._outbox.record(call, message, markup, self._files.media_file(message))
        return {"message_id": message["message_id"]}

    async def _forward_message(self, call: Call) -> JSONDict:
        source = self._source_message(call.params, "forward")
        chat_id = self._target_chat(call.params)
        content = {key: value for key, value in source.items() if key not in _MESSAGE_META_KEYS}
        content["forward_origin"] = source.get("forward_origin") or {
            "type": "user",
            "sender_user": source.get("from", self._chats.bot_user),
            "date": source["date"],
        }
        message = self._chats.bot_message(chat_id, content)
        self._outbox.record(call, message, None, self._files.media_file(message))
        return message

    async def _send_chat_action(self, call: Call) -> bool:
        self._target_chat(call.params)
        return True

    def _apply_edit(self, call: Call, current: JSONDict, content: JSONDict, markup: JSONDict | None) -> JSONDict:
        kept = {key: value for key, value in current.items() if key not in _EDITABLE_KEYS}
        edited = with_markup({**kept, **content}, markup)
        unchanged = all(current.get(key) == edited.get(key) for key in _EDITABLE_KEYS)
        if unchanged:
            raise ApiError(400, NOT_MODIFIED_DESCRIPTION)
        edited["edit_date"] = int(time.time())
        # Stored messages are replaced, never mutated, so queued updates keep the state they were pushed with.
        self._chats.replace(edited)
        self._outbox.record(call, edited, markup, self._files.media_file(edited))
        return edited

    def _editable_message(self, params: JSONDict) -> JSONDict:
        if params.get("inline_message_id") is not None:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat_id = self._target_chat(params)
        message_id = as_int(params.get("message_id"))
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        current = self._chats.message(chat_id, message_id)
        if current is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if current["from"]["id"] != self._chats.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return current

    def _source_message(self, params: JSONDict, verb: str) -> JSONDict:
        from_chat_id = chat_param(params, "from_chat_id")
        message_id = as_int(params.get("message_id"))
        source = self._chats.message(from_chat_id, message_id or 0)
        if source is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return source

    def _target_chat(self, params: JSONDict) -> int:
        chat_id = chat_param(params, "chat_id")
        self._faults.refuse_if_blocked(chat_id)
        return chat_id
