"""What each phone on the page shows: both sides of every person's chat as JSON events, kept for a page that opens
later and pushed live to the pages that listen (server-sent events)."""

from __future__ import annotations

import asyncio
import html
import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image

from bot.sandbox.telegram import Sent

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class StoredFile:
    """A photo or document the bot sent, served to the page by its chat and message id."""

    data: bytes
    name: str
    kind: str  # "photo" or "document"


@dataclass
class Feed:
    """Per chat: the events so far, the page streams listening, the files, and the deep links read from QR codes."""

    bot_username: str
    _events: dict[int, list[JSONDict]] = field(default_factory=dict)
    _listeners: dict[int, set[asyncio.Queue[JSONDict]]] = field(default_factory=dict)
    _files: dict[tuple[int, int], StoredFile] = field(default_factory=dict)
    _scans: dict[tuple[int, int], str] = field(default_factory=dict)

    def bot_sent(self, sent: Sent) -> None:
        """A message the bot sent or edited, as the page draws it."""
        event: JSONDict = {
            "from": "bot",
            "id": sent.message_id,
            "edit": sent.method.startswith("edit"),
            "markup": sent.reply_markup,
        }
        formatted = sent.params.get("text", sent.params.get("caption"))
        if isinstance(formatted, str):
            event["html"] = formatted if sent.params.get("parse_mode") == "HTML" else html.escape(formatted)
        elif not event["edit"]:
            event["html"] = ""
        if sent.file_bytes is not None:
            key = (sent.chat_id, sent.message_id)
            earlier = self._files.get(key)
            kind = "photo" if sent.method == "sendPhoto" or (earlier and earlier.kind == "photo") else "document"
            self._files[key] = StoredFile(sent.file_bytes, sent.file_name or "file", kind)
            url = f"/api/file/{sent.chat_id}/{sent.message_id}?v={len(self._events.get(sent.chat_id, []))}"
            if kind == "photo":
                event["photo"] = url
                if payload := self._card_payload(sent.file_bytes):
                    self._scans[key] = payload
                    event["scan"] = True
            else:
                event["document"] = {"url": url, "name": sent.file_name or "file"}
        self._add(sent.chat_id, event)

    def user_did(self, chat_id: int, text: str) -> None:
        """What the person typed or did (shared a contact), shown on their side of the chat."""
        self._add(chat_id, {"from": "user", "text": text})

    def file(self, chat_id: int, message_id: int) -> StoredFile | None:
        return self._files.get((chat_id, message_id))

    def scan(self, chat_id: int, message_id: int) -> str | None:
        """The /start payload of the QR card in this message, as a phone camera would read it."""
        return self._scans.get((chat_id, message_id))

    def subscribe(self, chat_id: int) -> tuple[list[JSONDict], asyncio.Queue[JSONDict]]:
        """The chat so far and a queue of what comes next, taken together so that nothing falls between them."""
        queue: asyncio.Queue[JSONDict] = asyncio.Queue()
        self._listeners.setdefault(chat_id, set()).add(queue)
        return list(self._events.get(chat_id, [])), queue

    def unsubscribe(self, chat_id: int, queue: asyncio.Queue[JSONDict]) -> None:
        self._listeners.get(chat_id, set()).discard(queue)

    def _add(self, chat_id: int, event: JSONDict) -> None:
        self._events.setdefault(chat_id, []).append(event)
        for queue in self._listeners.get(chat_id, ()):
            queue.put_nowait(event)

    def _card_payload(self, image: bytes) -> str | None:
        """The start payload of a QR code in the image that links to this bot, if it holds one."""
        try:
            found = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
        except (OSError, ValueError):
            return None
        for barcode in found:
            link = urlsplit(barcode.text)
            if link.netloc == "t.me" and link.path.strip("/") == self.bot_username:
                payload = parse_qs(link.query).get("start")
                if payload:
                    return payload[0]
        return None
