"""The bot's own account: who it is (getMe), its command menus per scope and language, each chat's menu button,
logOut and close."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.telegram.api import ApiError, Call, Endpoint, JSONDict, as_int

_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


class Account:
    """The bot's identity and `commands`: setMyCommands params keyed by (scope as sorted JSON, language code)."""

    def __init__(self, bot_user: JSONDict) -> None:
        self._bot_user = bot_user
        self.commands: dict[tuple[str, str], JSONDict] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}  # by chat id; None: the default for every chat

    def endpoints(self) -> dict[str, Endpoint]:
        return {
            "getMe": self._get_me,
            "logOut": self._ok,
            "close": self._ok,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
        }

    def commands_for(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands last set for a scope (default scope if None) and language."""
        params = self.commands.get(_scope_key(scope, language_code))
        return list(params["commands"]) if params else []

    async def _ok(self, call: Call) -> bool:
        return True

    async def _get_me(self, call: Call) -> JSONDict:
        return {
            **self._bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_my_commands(self, call: Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[_scope_key(call.params.get("scope"), call.params.get("language_code"))] = call.params
        return True

    async def _delete_my_commands(self, call: Call) -> bool:
        self.commands.pop(_scope_key(call.params.get("scope"), call.params.get("language_code")), None)
        return True

    async def _get_my_commands(self, call: Call) -> list[JSONDict]:
        return self.commands_for(call.params.get("scope"), call.params.get("language_code") or "")

    async def _set_chat_menu_button(self, call: Call) -> bool:
        button = call.params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
            raise ApiError(400, "Bad Request: can't parse menu button")
        if button["type"] == "web_app" and not str((button.get("web_app") or {}).get("url", "")).startswith("https://"):
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        self.menu_buttons[as_int(call.params.get("chat_id"))] = button
        return True

    async def _get_chat_menu_button(self, call: Call) -> JSONDict:
        chat_id = as_int(call.params.get("chat_id"))
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}


def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
    """Key of `commands`: the scope as sorted JSON (default scope if absent) and the language."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True), str(language_code or "")
