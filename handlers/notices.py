"""Telling people what happened to points: the member of each new entry, owners of a refused cashier.

Used by handlers and by the scheduler's jobs (points that expired overnight), which sit above this layer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import NotMe
from handlers.i18n import Texts, Translator
from models.core.errors import LimitExceeded
from models.points.ledger import Notice

log = logging.getLogger(__name__)
NONE = "none"  # the value optional Fluent arguments take when there is nothing to show


def optional(value: str | None) -> str:
    return value or NONE


def kind_name(t: Translator, kind: str) -> str:
    """The entry kind in words; kinds other features add show as themselves until they add a `kind-` text."""
    return t.raw(f"kind-{kind}") if t.has(f"kind-{kind}") else kind


def entry_text(t: Translator, *, kind: str, amount: int, reason: str, balance: int) -> str:
    return t(
        "notice-earned" if amount > 0 else "notice-spent",
        points=abs(amount),
        kind=kind_name(t, kind),
        reason=optional(reason),
        balance=balance,
    )


def not_me_keyboard(t: Translator, entry_id: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=t.raw("notme-button"), callback_data=NotMe(entry=entry_id).pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def tell(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send a message the sender's own flow does not depend on: a member who blocked the bot keeps their points.

    Telegram's "too many requests" is waited out once; any other refusal is logged and the message dropped.
    """
    for attempt in range(2):
        try:
            await bot.send_message(chat_id, text, reply_markup=markup)
            return
        except TelegramRetryAfter as exc:
            if attempt:
                log.warning("could not tell chat %s: still rate limited", chat_id)
                return
            await asyncio.sleep(exc.retry_after)
        except TelegramAPIError as exc:
            log.warning("could not tell chat %s: %s", chat_id, type(exc).__name__)
            return


async def announce(bot: Bot, texts: Texts, notices: Iterable[Notice]) -> None:
    """Each new entry to its member, with its reason and a "this wasn't me" button."""
    for notice in notices:
        t = texts[notice.language]
        posted = notice.posted
        text = entry_text(t, kind=posted.kind, amount=posted.amount, reason=posted.reason, balance=posted.balance)
        await tell(bot, notice.telegram_id, text, not_me_keyboard(t, posted.entry_id))


async def report_breach(bot: Bot, texts: Texts, owners: dict[int, str], cashier: int, breach: LimitExceeded) -> None:
    """Owners hear of every refused attempt past a cashier's limits."""
    details = {name: str(value) for name, value in breach.details.items()}
    for owner, language in owners.items():
        await tell(bot, owner, texts[language]("limit-breach-report", cashier=str(cashier), **details))
