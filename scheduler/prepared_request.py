"""One campaign message encoded once and sent to many chats: the request a campaign makes thousands of times.

aiogram builds each request anew (its pydantic method dumped, every default resolved, the form encoded) and reads
every answer into a whole `Message`; for a campaign that is more than half of the CPU a message costs (`bench.campaigns`
compares a bare loop of aiogram's calls with one of these requests). Here the body is encoded once, by
aiogram's own `prepare_value` with the bot's defaults, and only the chat id is written per message; an answer of
success is read for its message id alone. Every other answer goes to aiogram's `check_response`, so a refusal raises
the very exception aiogram would (`TelegramRetryAfter`, `TelegramForbiddenError`, ...), and the network errors are
the ones aiogram's session raises. The bot's request middlewares are not applied: a scheduler's send has no unit of
work to settle.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError
from aiogram.methods import SendMessage, SendPhoto
from aiohttp import ClientError, ClientTimeout

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SUCCESS = 200


class PreparedRequest:
    """`method` (its chat aside) encoded once; `send(chat_id)` sends it to one chat and returns the message id."""

    def __init__(self, bot: Bot, method: SendMessage | SendPhoto, timeout: float) -> None:
        if not isinstance(bot.session, AiohttpSession):
            raise TypeError("a prepared request needs aiogram's aiohttp session")
        self.bot, self.session, self.method = bot, bot.session, method
        files: dict[str, Any] = {}
        fields = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.session.prepare_value(value, bot=bot, files=files)
            if prepared and key != "chat_id":
                fields[key] = prepared
        if files:
            raise ValueError("a prepared request sends no files: a campaign's photo is a file id")
        self._rest = urlencode(fields, doseq=True)  # as aiohttp encodes aiogram's form: a str enum by its value
        self.url = self.session.api.api_url(token=bot.token, method=method.__api_method__)
        self.timeout = ClientTimeout(total=timeout)

    async def send(self, chat_id: int) -> int:
        client = await self.session.create_session()
        body = f"chat_id={chat_id}&{self._rest}".encode()
        try:
            async with client.post(self.url, data=body, headers=FORM, timeout=self.timeout) as response:
                content = await response.read()
        except TimeoutError as error:
            raise TelegramNetworkError(method=self._to(chat_id), message="Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(method=self._to(chat_id), message=message) from error
        if response.status == SUCCESS:
            message_id = _sent_message_id(content)
            if message_id is not None:
                return message_id
        # Anything but a plain success: aiogram reads it, and raises what it would have raised for this chat
        text = content.decode(errors="replace")
        sent = self.session.check_response(self.bot, self._to(chat_id), response.status, text).result
        if sent is None:  # "ok" with no message: what became of it is not known
            raise ClientDecodeError("Telegram's answer has no message", ValueError(text), text)
        return sent.message_id

    def _to(self, chat_id: int) -> SendMessage | SendPhoto:
        """The method as sent to this chat, for aiogram's errors (which name the chat) and its reading of answers."""
        return self.method.model_copy(update={"chat_id": chat_id})


def _sent_message_id(content: bytes) -> int | None:
    """The message id of an answer of success; None for anything else, left to aiogram to read."""
    try:
        answer = json.loads(content)
    except ValueError:
        return None
    if isinstance(answer, dict) and answer.get("ok") is True:
        result = answer.get("result")
        if isinstance(result, dict) and isinstance(result.get("message_id"), int):
            return int(result["message_id"])
    return None
