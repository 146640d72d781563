"""Trouble a test orders: the next calls of a method failing (429, 5xx, any status), every call about one chat
failing or held back, every call of a method held back (a stall), users who blocked the bot, and slow answers."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Final

from bot.sandbox.telegram.api import ApiError

BLOCKED_DESCRIPTION: Final = "Forbidden: bot was blocked by the user"
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


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int
    delivered: bool  # the call is carried out and the error answered after it, as a 5xx after a message went out


class Faults:
    """Injected errors per method, blocked chats and delays; consulted before every answer."""

    def __init__(self) -> None:
        self._blocked: set[int] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._failing_chats: dict[int, int] = {}
        self._held_chats: dict[int, asyncio.Event] = {}
        self._held_methods: dict[str, asyncio.Event] = {}

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
        delivered: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` with an error; `retry_after` is sent only with status 429.
        With `delivered`, each call is carried out first (the message goes out) and the error is its answer."""
        retry = retry_after if status == 429 else None
        if description is None:
            description = _STATUS_DESCRIPTIONS.get(status, "Error")
            if retry is not None:
                description = f"{description}: retry after {retry}"
        fault = _Fault(status=status, description=description, retry_after=retry, remaining=times, delivered=delivered)
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

    def refuse_if_blocked(self, chat_id: int) -> None:
        """Raise Telegram's 403 if the user of this chat blocked the bot."""
        if chat_id in self._blocked:
            raise ApiError(403, BLOCKED_DESCRIPTION)

    def fail_chat(self, chat_id: int, status: int = 502) -> None:
        """Answer every call about this chat with `status` (an answer lost on the way, say) until `heal_chat`."""
        self._failing_chats[chat_id] = status

    def heal_chat(self, chat_id: int) -> None:
        self._failing_chats.pop(chat_id, None)

    def hold_chat(self, chat_id: int) -> None:
        """Keep every call about this chat waiting, unanswered, until `release_chat`."""
        self._held_chats.setdefault(chat_id, asyncio.Event())

    def release_chat(self, chat_id: int) -> None:
        held = self._held_chats.pop(chat_id, None)
        if held is not None:
            held.set()

    def hold_calls(self, method: str) -> None:
        """Keep every call of `method` waiting, unanswered and not yet carried out, until `release_calls`: a stall
        at Telegram's end, after which everything that came meanwhile is carried out at once."""
        self._held_methods.setdefault(method.lower(), asyncio.Event())

    def release_calls(self, method: str) -> None:
        held = self._held_methods.pop(method.lower(), None)
        if held is not None:
            held.set()

    async def before_answer(self, method: str, chat_id: int | None = None) -> None:
        """Hold a call of a method or about a chat so ordered, fail a call about a chat so ordered, wait out the
        method's delay, then raise its next injected error if one is due."""
        if (stalled := self._held_methods.get(method.lower())) is not None:
            await stalled.wait()
        if chat_id is not None and (held := self._held_chats.get(chat_id)) is not None:
            await held.wait()
        if chat_id is not None and (status := self._failing_chats.get(chat_id)) is not None:
            raise ApiError(status, _STATUS_DESCRIPTIONS.get(status, "Error"))
        delay = self._delays.get(method.lower(), self._delays.get("", 0.0))
        if delay:
            await asyncio.sleep(delay)
        self._raise_due(method, delivered=False)

    def after_answer(self, method: str) -> None:
        """Raise the method's next injected error if it is one that comes after the call was carried out."""
        self._raise_due(method, delivered=True)

    def _raise_due(self, method: str, *, delivered: bool) -> None:
        faults = self._faults.get(method.lower())
        if not faults or faults[0].delivered != delivered:
            return
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.popleft()
        raise ApiError(fault.status, fault.description, fault.retry_after)
