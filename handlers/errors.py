"""Turning refusals into friendly answers, and anything unexpected into an apology that changed nothing."""

from __future__ import annotations

import logging
import traceback
from datetime import date
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from handlers.i18n import Texts, Translator
from models.core.errors import DomainError

log = logging.getLogger(__name__)


async def _answer(event: ErrorEvent, text: str) -> None:
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)


def refusal_details(refusal: DomainError) -> dict[str, Any]:
    """A refusal's details as values the translator can put into its text."""
    return {k: v if isinstance(v, int | str | date) else str(v) for k, v in refusal.details.items()}


async def refused(event: ErrorEvent, t: Translator) -> None:
    assert isinstance(event.exception, DomainError)
    await _answer(event, t(f"error-{event.exception.code}", **refusal_details(event.exception)))


async def blocked(event: ErrorEvent) -> None:
    """The user blocked the bot before it could answer: there is nobody to tell, and nothing went wrong here."""
    log.info("update %s: the user has blocked the bot", event.update.update_id)


def trace(exc: BaseException) -> str:
    """Where an error happened, for the log: its type and stack, without its message, which may quote what a
    member typed or their name."""
    return f"{type(exc).__name__}\n{''.join(traceback.format_tb(exc.__traceback__))}"


async def crashed(event: ErrorEvent, **data: Any) -> None:
    log.error("update %s failed: %s", event.update.update_id, trace(event.exception))
    t: Translator | None = data.get("t")
    if t is not None:
        await _answer(event, t("error-internal"))


def router(texts: Texts) -> Router:
    router = Router(name="errors")
    router.errors.register(refused, ExceptionTypeFilter(DomainError))
    router.errors.register(blocked, ExceptionTypeFilter(TelegramForbiddenError))
    router.errors.register(crashed)
    return router
