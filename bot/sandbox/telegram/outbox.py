"""What the bot sent, edited and deleted, recorded for tests to read and to wait for."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.telegram.api import Call, JSONDict
from bot.sandbox.telegram.files import StoredFile


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


class Outbox:
    """`sent` in order, indexed per chat, with waiters woken by each new message to their chat, and listeners (the
    sandbox's page) told of every one."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._listeners: list[Callable[[Sent], None]] = []
        self.deleted: list[tuple[int, int]] = []
        self._sent_by_chat: dict[int, list[int]] = {}
        self._waiters: dict[int, set[asyncio.Event]] = {}

    def record(self, call: Call, message: JSONDict, markup: JSONDict | None, stored: StoredFile | None = None) -> None:
        """Record a message the call produced or changed, and wake whoever waits for its chat."""
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
        for listener in self._listeners:
            listener(sent)

    def listen(self, listener: Callable[[Sent], None]) -> None:
        """Call `listener` with every message recorded from now on."""
        self._listeners.append(listener)

    def messages_to(self, chat_id: int) -> list[Sent]:
        """Everything the bot sent or edited in one chat, in order."""
        return [self.sent[index] for index in self._sent_by_chat.get(chat_id, [])]

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


def _matches(sent: Sent, contains: str | None, method: str | None) -> bool:
    if method is not None and sent.method != method:
        return False
    return contains is None or (sent.text is not None and contains in sent.text)
