"""Mini App initData as Telegram signs it, for tests that call the console's API as a given user."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode


def init_data(bot_token: str, user_id: int, first_name: str = "Test", auth_date: int | None = None) -> str:
    """The query string Telegram passes to a Mini App opened by `user_id`, signed with the bot's token: the fields
    sorted into `key=value` lines, HMAC-SHA256 under the key HMAC-SHA256("WebAppData", token)."""
    fields = {
        "query_id": f"AAH{user_id}",
        "user": json.dumps({"id": user_id, "first_name": first_name, "language_code": "en"}, separators=(",", ":")),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
    }
    check_string = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
