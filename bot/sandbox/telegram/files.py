"""Files as Telegram keeps them: the bot's uploads and users' photos, with file ids, photo sizes, getFile and the
bytes to download."""

from __future__ import annotations

import functools
import io
import itertools
import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from PIL import Image

from bot.sandbox.telegram.api import ApiError, Call, Endpoint, JSONDict, Upload

MAX_UPLOAD_BYTES: Final = 50 * 1024 * 1024
# Telegram keeps a small preview size besides the original for photos larger than this.
PHOTO_PREVIEW_SIDE: Final = 320


@dataclass
class StoredFile:
    """A file Telegram would keep: uploads by the bot and photos sent by users, fetchable by getFile."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    path: str
    name: str | None
    mime_type: str | None
    width: int = 0
    height: int = 0
    photo_sizes: list[JSONDict] | None = None


class Files:
    """Every stored file, by file id for the Bot API and by path for downloads."""

    def __init__(self, bot_id: int) -> None:
        self._bot_id = bot_id
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_numbers = itertools.count(1)

    def endpoints(self) -> dict[str, Endpoint]:
        return {"getFile": self._get_file}

    def by_path(self, path: str) -> StoredFile | None:
        """The file a download URL's path names."""
        return self._files_by_path.get(path)

    def input_file(self, call: Call, key: str) -> StoredFile:
        """Resolve a photo/document parameter: an upload (direct or attach://), a known file_id, or a URL."""
        value = call.params.get(key)
        upload = call.uploads.get(key)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = call.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if upload is not None:
            return self._store_upload(key, upload)
        if not isinstance(value, str) or not value:
            raise ApiError(400, f"Bad Request: there is no {key} in the request")
        known = self._files.get(value)
        if known is not None:
            if known.kind != key:
                raise ApiError(400, f"Bad Request: can't use file of type {known.kind.title()} as {key.title()}")
            return known
        if value.startswith(("http://", "https://")):
            # The fake has no network: a URL file is accepted without content.
            name = PurePosixPath(value.split("?", 1)[0]).name or key
            return self._store_file(key, b"", name, (800, 600) if key == "photo" else None)
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def user_photo(self, content: bytes | None, file_name: str) -> list[JSONDict]:
        """The PhotoSize list of a photo a user sends (a small generated image unless `content` is given)."""
        data = _default_photo() if content is None else content
        size = _image_size(data)
        if size is None:
            msg = "push_photo content is not an image Telegram could process"
            raise ValueError(msg)
        return self.photo_sizes(self._store_file("photo", data, file_name, size))

    def photo_sizes(self, stored: StoredFile) -> list[JSONDict]:
        """PhotoSize list: a preview then the original, so bots that take `photo[0]` get the small one."""
        if stored.photo_sizes is None:
            sizes = [_photo_size_json(stored)]
            longest = max(stored.width, stored.height)
            if longest > PHOTO_PREVIEW_SIDE:
                # The preview shares the original's bytes: the fake does not resize images.
                scale = PHOTO_PREVIEW_SIDE / longest
                size = max(1, round(stored.width * scale)), max(1, round(stored.height * scale))
                preview = self._store_file("photo", stored.data, stored.name or "photo.jpg", size)
                preview.photo_sizes = [_photo_size_json(preview)]
                sizes.insert(0, preview.photo_sizes[0])
            stored.photo_sizes = sizes
        return stored.photo_sizes

    def media_file(self, message: JSONDict) -> StoredFile | None:
        """The photo (largest size) or document a message carries, if any."""
        if photo := message.get("photo"):
            return self._files.get(photo[-1]["file_id"])
        if document := message.get("document"):
            return self._files.get(document["file_id"])
        return None

    def _store_upload(self, kind: str, upload: Upload) -> StoredFile:
        if not upload.data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        size = None
        if kind == "photo":
            size = _image_size(upload.data)
            if size is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        return self._store_file(kind, upload.data, upload.filename, size)

    def _store_file(self, kind: str, data: bytes, name: str, size: tuple[int, int] | None) -> StoredFile:
        number = next(self._file_numbers)
        prefix = "AgACAgIAAxkBAAI" if kind == "photo" else "BQACAgIAAxkBAAI"
        suffix = ".jpg" if kind == "photo" else PurePosixPath(name).suffix
        stored = StoredFile(
            file_id=f"{prefix}{number:08d}{self._bot_id}",
            file_unique_id=f"AQAD{number:08d}",
            kind=kind,
            data=data,
            path=f"{kind}s/file_{number}{suffix}",
            name=name,
            mime_type=mimetypes.guess_type(name)[0],
            width=size[0] if size else 0,
            height=size[1] if size else 0,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    async def _get_file(self, call: Call) -> JSONDict:
        stored = self._files.get(str(call.params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }


def document_json(stored: StoredFile) -> JSONDict:
    """The Document object of a stored file."""
    document: JSONDict = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.name:
        document["file_name"] = stored.name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def _photo_size_json(stored: StoredFile) -> JSONDict:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": stored.width,
        "height": stored.height,
        "file_size": len(stored.data),
    }


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height if Pillow can read the image header, else None (Telegram would refuse the photo)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, SyntaxError):
        return None


@functools.cache
def _default_photo() -> bytes:
    """A small PNG for users' photos when a test does not care about their content."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()
