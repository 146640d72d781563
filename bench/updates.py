"""The Telegram updates benchmarks feed the bot: a private message holding one command, as Telegram sends it."""

from __future__ import annotations

import time
from typing import Any


def command_update(telegram_id: int, text: str, *, language: str, update_id: int) -> dict[str, Any]:
    user = {"id": telegram_id, "is_bot": False, "first_name": "Bench", "language_code": language}
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": telegram_id, "type": "private"},
        "from": user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
    }
    return {"update_id": update_id, "message": message}
