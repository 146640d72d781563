"""A message's content checked the way Telegram checks it: text and captions in their parse mode and length limits,
and keyboards."""

from __future__ import annotations

import itertools
import json
from typing import Any, Final

from bot.sandbox.telegram.api import ApiError, JSONDict
from bot.sandbox.telegram.html import HtmlParseError, parse_html

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
# Inline button keys that only decorate a button; a button needs at least one other key (an action).
_COSMETIC_BUTTON_KEYS: Final = frozenset({"text", "icon_custom_emoji_id", "style", "disabled"})


def message_text(params: JSONDict) -> JSONDict:
    """The `text` and `entities` of a text message; refused if empty or too long."""
    formatted = _formatted(params, "text", "entities", MAX_TEXT_LENGTH, "message is too long")
    if formatted is None or not formatted[0].strip():
        raise ApiError(400, "Bad Request: message text is empty")
    return _text_content("text", "entities", formatted)


def caption(params: JSONDict) -> JSONDict:
    """The `caption` and `caption_entities` of a media message; empty if no caption is given."""
    formatted = _formatted(params, "caption", "caption_entities", MAX_CAPTION_LENGTH, "message caption is too long")
    return {} if formatted is None else _text_content("caption", "caption_entities", formatted)


def reply_markup(params: JSONDict) -> JSONDict | None:
    """The reply_markup parameter, checked the way Telegram checks inline keyboards."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            markup = None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    return markup


def with_markup(content: JSONDict, markup: JSONDict | None) -> JSONDict:
    """Messages carry only inline keyboards; reply keyboards are never echoed back by Telegram."""
    if markup is not None and markup.get("inline_keyboard"):
        return {**content, "reply_markup": {"inline_keyboard": markup["inline_keyboard"]}}
    return content


def _formatted(
    params: JSONDict, text_key: str, entities_key: str, limit: int, too_long: str
) -> tuple[str, list[JSONDict] | None] | None:
    """Text as the user sees it plus its entities; None if the parameter is absent."""
    raw = params.get(text_key)
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else str(raw)
    parse_mode = str(params.get("parse_mode") or "")
    entities: list[JSONDict] | None
    if parse_mode.lower() == "html":
        try:
            text, entities = parse_html(text)
        except HtmlParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from error
    else:
        # Markdown modes are passed through unparsed; explicit entities are kept as given.
        given = params.get(entities_key)
        entities = given if isinstance(given, list) else None
    if len(text) > limit:
        raise ApiError(400, f"Bad Request: {too_long}")
    return text, entities


def _text_content(text_key: str, entities_key: str, formatted: tuple[str, list[JSONDict] | None]) -> JSONDict:
    text, entities = formatted
    content: JSONDict = {text_key: text}
    if entities:
        content[entities_key] = entities
    return content


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text must be a String")
        if not set(button) - _COSMETIC_BUTTON_KEYS:
            raise ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
            raise ApiError(400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
