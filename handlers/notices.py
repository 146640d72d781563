"""Telling people what happened: how each kind of outbox message reads, and a send that never fails its sender.

The same idea as `models.core.outbox` at the interface layer: there a message is its kind and values, here words.
Used by handlers and by the scheduler's outbox sender, which sits above this layer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import NotMe
from handlers.formatting import money
from handlers.i18n import Texts, Translator
from handlers.till_lines import notice_lines
from models.core import outbox
from models.core.programme import Programme, Tier

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


Rendered = tuple[str, InlineKeyboardMarkup | None]
Renderer = Callable[[Translator, Programme, dict[str, Any]], Rendered]


def _entry(t: Translator, programme: Programme, p: dict[str, Any]) -> Rendered:
    """A new ledger entry, to its member, with its reason and a "this wasn't me" button; then what else its cause
    says (a sale's stamps, the points that paid it: `handlers.till_lines`). A sale that moved no points has no entry,
    only that."""
    more = notice_lines(t, programme, p)
    if p["entry_id"] is None:
        return "\n".join(more), None
    text = entry_text(t, kind=p["kind"], amount=p["amount"], reason=p["reason"], balance=p["balance"])
    return "\n".join([text, *more]), not_me_keyboard(t, p["entry_id"])


def perks(t: Translator, tier: Tier) -> str:
    """A tier's perks in one line, in the reader's language."""
    return ", ".join(perk.in_(t.language) for perk in tier.perks)


def _with_perks(t: Translator, tier: Tier, text: str) -> Rendered:
    return (f"{text}\n{t('notice-tier-perks', perks=perks(t, tier))}" if tier.perks else text), None


def _promoted(t: Translator, programme: Programme, p: dict[str, Any]) -> Rendered:
    tier = programme.tier(p["tier"])
    return _with_perks(t, tier, t("notice-promoted", tier=tier.title.in_(t.language)))


def _tier_dropped(t: Translator, programme: Programme, p: dict[str, Any]) -> Rendered:
    tier, previous = programme.tier(p["tier"]), programme.tier(p["from"])
    text = t(
        "notice-tier-dropped",
        tier=tier.title.in_(t.language),
        previous=previous.title.in_(t.language),
        days=programme.tiers.window_days,
    )
    return _with_perks(t, tier, text)


def _tier_warning(t: Translator, programme: Programme, p: dict[str, Any]) -> Rendered:
    text = t(
        "notice-tier-warning",
        tier=programme.tier(p["tier"]).title.in_(t.language),
        date=date.fromisoformat(p["date"]),
        amount=money(p["missing_cents"]),
        currency=programme.currency,
    )
    return text, None


def _coupon_used(t: Translator, programme: Programme, p: dict[str, Any]) -> Rendered:
    offer = programme.offer(p["offer"])
    title = offer.title.in_(t.language) if offer else p["offer"]
    return t("coupon-redeemed-for-member", code=p["code"], title=title), None


def _limit_breach(t: Translator, _: Programme, p: dict[str, Any]) -> Rendered:
    return t("limit-breach-report", **{name: str(value) for name, value in p.items()}), None


def _refund_shortfall(t: Translator, _: Programme, p: dict[str, Any]) -> Rendered:
    return t("refund-shortfall-report", **{name: str(value) for name, value in p.items()}), None


def _staff_welcome(t: Translator, programme: Programme, p: dict[str, Any]) -> Rendered:
    return t("staff-welcome", role=p["role"], programme=programme.name), None


# Every kind of message the domain leaves in the outbox, and how it reads (see `models.core.outbox`).
RENDERERS: dict[str, Renderer] = {
    outbox.ENTRY: _entry,
    outbox.PROMOTED: _promoted,
    outbox.TIER_DROPPED: _tier_dropped,
    outbox.TIER_WARNING: _tier_warning,
    outbox.COUPON_USED: _coupon_used,
    outbox.LIMIT_BREACH: _limit_breach,
    outbox.STAFF_WELCOME: _staff_welcome,
    outbox.REFUND_SHORTFALL: _refund_shortfall,
}


def render(texts: Texts, programme: Programme, message: outbox.Message, language: str) -> Rendered:
    return RENDERERS[message.kind](texts[language], programme, message.payload)
