"""A call's parameters as aiogram sends them: in the query, a JSON body, or a urlencoded or multipart form."""

from __future__ import annotations

import functools
import json
import types
import typing
from typing import Any

from aiogram import methods as aiogram_methods
from aiogram.client.default import Default
from aiohttp import web

from bot.sandbox.telegram.api import ApiError, JSONDict, Upload


async def read_params(request: web.Request, method: str) -> tuple[JSONDict, dict[str, Upload]]:
    """Parameters from the query, a JSON body, a urlencoded form or a multipart form (files kept apart)."""
    plain_strings = _plain_string_fields().get(method.lower(), frozenset())
    params: JSONDict = {key: _decode_field(key, value, plain_strings) for key, value in request.query.items()}
    uploads: dict[str, Upload] = {}
    if not request.body_exists:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as error:
            raise ApiError(400, "Bad Request: can't parse JSON body") from error
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        params.update(body)
        return params, uploads
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge as error:
        raise ApiError(413, "Request Entity Too Large") from error
    for key, value in form.items():
        if isinstance(value, web.FileField):
            with value.file:
                uploads[key] = Upload(value.file.read(), value.filename)
        else:
            text = value if isinstance(value, str) else bytes(value).decode()
            params[key] = _decode_field(key, text, plain_strings)
    return params, uploads


def _decode_field(key: str, raw: str, plain_strings: frozenset[str]) -> Any:
    """aiogram form-encodes strings as they are and every other value (numbers, objects) as JSON."""
    if key in plain_strings:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@functools.cache
def _plain_string_fields() -> dict[str, frozenset[str]]:
    """Per lower-cased API method, the parameters typed as plain strings by aiogram (sent without JSON quoting)."""
    fields: dict[str, frozenset[str]] = {}
    for export in aiogram_methods.__all__:
        method = getattr(aiogram_methods, export)
        api_name = getattr(method, "__api_method__", None)
        if isinstance(api_name, str):
            fields[api_name.lower()] = frozenset(
                name for name, info in method.model_fields.items() if _is_plain_string(info.annotation)
            )
    return fields


def _is_plain_string(annotation: object) -> bool:
    if annotation is str:
        return True
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return False
    options = [option for option in typing.get_args(annotation) if option not in (type(None), Default)]
    return bool(options) and all(option is str for option in options)
