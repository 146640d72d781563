"""What every part of the fake server shares: a Bot API call as the server parsed it, and an error answer worded as
Telegram words it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

JSONDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer; raised by endpoints and sent by the server as the JSON Telegram would send."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSONDict:
        payload: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            payload["parameters"] = {"retry_after": self.retry_after}
        return payload


@dataclass(frozen=True)
class Upload:
    """A file sent as a part of a multipart request."""

    data: bytes
    filename: str


@dataclass(frozen=True)
class Call:
    """One Bot API request: the method's canonical name, its parameters and its uploaded files."""

    method: str
    params: JSONDict
    uploads: dict[str, Upload]


# What answers one Bot API method: its result, or an ApiError.
Endpoint = Callable[[Call], Awaitable[Any]]


def as_int(value: Any) -> int | None:
    """An integer parameter as Telegram reads it: a JSON number or a string of digits (never a boolean)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None
