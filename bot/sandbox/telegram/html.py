"""The Bot API's HTML parse mode for the fake Telegram server: plain text plus entities, or Telegram's refusal.

Telegram answers 400 to a stray `<`, an unknown tag or an unclosed one; doing the same in tests catches user input
that reaches a message without `html.escape`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Final

JSONDict = dict[str, Any]


class HtmlParseError(ValueError):
    """Text that Telegram's HTML parse mode rejects; the message mirrors Telegram's wording."""


_HTML_TAGS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_TAG_ATTRIBUTE = re.compile(r"""\s*([A-Za-z-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_CHARACTER_REFERENCE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9A-Fa-f]+);")


@dataclass
class _OpenTag:
    name: str
    offset: int
    entity: JSONDict | None


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Plain text and entities (UTF-16 offsets) of Bot API HTML; raises HtmlParseError where Telegram answers 400."""
    pieces: list[str] = []
    offset = 0
    open_tags: list[_OpenTag] = []
    entities: list[JSONDict] = []
    position = 0
    while position < len(source):
        start = source.find("<", position)
        end_of_text = len(source) if start < 0 else start
        if end_of_text > position:
            text = _CHARACTER_REFERENCE.sub(lambda match: html.unescape(match.group()), source[position:end_of_text])
            pieces.append(text)
            offset += utf16_len(text)
        if start < 0:
            break
        is_end_tag = source.startswith("/", start + 1)
        name_match = _TAG_NAME.match(source, start + 1 + is_end_tag)
        name_end = name_match.end() if name_match else start + 1
        name = source[start + 1 + is_end_tag : name_end].lower()
        if not is_end_tag:
            # Like Telegram, judge the name before looking for ">", so "1 < 2" is an empty tag name.
            _check_start_tag_name(source, start, name)
        close = source.find(">", name_end)
        if close < 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(source, start)}")
        if is_end_tag:
            _close_tag(source, start, name, open_tags, entities, offset)
        else:
            open_tags.append(_open_tag(name, source[name_end:close], open_tags, offset, source, start))
        position = close + 1
    if open_tags:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1].name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(pieces), entities


def _check_start_tag_name(source: str, start: int, name: str) -> None:
    if not name:
        raise HtmlParseError(f"Empty tag name at byte offset {_byte_offset(source, start)}")
    if name not in _HTML_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, start)}')


def _open_tag(
    name: str, attributes_text: str, open_tags: list[_OpenTag], offset: int, source: str, start: int
) -> _OpenTag:
    kind = _HTML_TAGS[name]
    attributes = {
        match.group(1).lower(): html.unescape((match.group(2) or "").strip("\"'"))
        for match in _TAG_ATTRIBUTE.finditer(attributes_text)
    }
    entity: JSONDict | None = {"type": kind, "offset": offset}
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, start)}')
    if name == "a":
        href = attributes.get("href")
        entity = {"type": "text_link", "offset": offset, "url": href} if href else None
    elif name == "tg-emoji":
        entity = {"type": "custom_emoji", "offset": offset, "custom_emoji_id": attributes.get("emoji-id", "")}
    elif name == "blockquote" and "expandable" in attributes:
        entity = {"type": "expandable_blockquote", "offset": offset}
    elif name == "code" and open_tags and open_tags[-1].name == "pre":
        # <pre><code class="language-x"> is one pre entity (with a language if given), not two entities.
        language = attributes.get("class", "").removeprefix("language-")
        pre_entity = open_tags[-1].entity
        if language and pre_entity is not None:
            pre_entity["language"] = language
        entity = None
    return _OpenTag(name=name, offset=offset, entity=entity)


def _close_tag(
    source: str, start: int, name: str, open_tags: list[_OpenTag], entities: list[JSONDict], offset: int
) -> None:
    if not open_tags:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(source, start)}")
    tag = open_tags.pop()
    if name != tag.name:
        raise HtmlParseError(
            f'Unmatched end tag at byte offset {_byte_offset(source, start)}, expected "</{tag.name}>", '
            f'found "</{name}>"'
        )
    if tag.entity is not None and offset > tag.offset:
        entities.append({**tag.entity, "length": offset - tag.offset})


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2
