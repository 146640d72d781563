"""What /sale, /redeem and the member panel's buttons share: reading the words typed, recording, telling everyone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import Message, TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Texts, Translator
from bot.settings import Settings
from handlers.formatting import money
from handlers.notices import announce, optional, report_breach, tell
from models.analytics.recompute import refresh_member
from models.core.base import utcnow
from models.core.errors import LimitExceeded
from models.core.programme import Programme
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.till import redemption
from models.till.desk import SalesDesk
from models.till.sales import SaleRequest
from models.till.staff import Actor, Role, languages


@dataclass(frozen=True)
class SaleWords:
    """A sale as typed: `<amount> [category] [#receipt]`, after the member when the command names one."""

    amount: str
    category: str | None
    receipt: str | None


def read_sale(words: list[str]) -> SaleWords | None:
    """Split `450.50 coffee #A-1` into its parts; None when the shape is wrong (the usage text is due)."""
    receipts = [word for word in words if word.startswith("#")]
    rest = [word for word in words if not word.startswith("#")]
    if len(receipts) > 1 or not 1 <= len(rest) <= 2:
        return None
    return SaleWords(rest[0], rest[1] if len(rest) == 2 else None, receipts[0] if receipts else None)


def actor_of(message: Message, role: Role) -> Actor:
    assert message.from_user is not None
    return Actor(message.from_user.id, role)


async def follow_purchases(bot: Bot, texts: Texts, session: AsyncSession, programme: Programme, member_id: int) -> None:
    """The member's analytics follow each change to their purchases (a sale, a refund); what that pays out (a
    collection completed) is announced."""
    refreshed = await refresh_member(session, programme, member_id, utcnow())
    await announce(bot, texts, refreshed.notices)


class TillMiddleware(BaseMiddleware):
    """Gathers what a till action needs into one `till` argument for the handlers of a staff router."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["till"] = Till(
            data["bot"],
            data["texts"],
            data["t"],
            data["session"],
            data["programme"],
            data["cards"],
            data["settings"],
            data["sales_desk"],
        )
        return await handler(event, data)


@dataclass(frozen=True)
class Till:
    """The services one till action needs, gathered from the handler's data."""

    bot: Bot
    texts: Texts
    t: Translator
    session: AsyncSession
    programme: Programme
    cards: CardSigner
    settings: Settings
    desk: SalesDesk

    async def _owners_hear_of(self, actor: Actor, breach: LimitExceeded) -> None:
        owners = await languages(self.session, self.settings.admin_ids)
        await self.session.rollback()
        await report_breach(self.bot, self.texts, owners, actor.telegram_id, breach)

    async def sale(self, message: Message, actor: Actor, member: str, words: SaleWords, update: Update) -> bool:
        """Record the sale and tell the cashier and the member; True when it was new."""
        request = SaleRequest(actor, member, words.amount, words.category, words.receipt, update.update_id)
        try:
            result = await self.desk.record(request)
        except LimitExceeded as breach:
            await self._owners_hear_of(actor, breach)
            raise
        t, currency = self.t, self.programme.currency
        if not result.created:
            await message.answer(t("sale-already", receipt=optional(result.receipt), number=shown(result.member_id)))
            return False
        lines = [
            t(
                "sale-recorded",
                amount=money(result.amount_cents),
                currency=currency,
                number=shown(result.member_id),
                receipt=optional(result.receipt),
                points=result.points,
                balance=result.balance,
            )
        ]
        if result.promoted:
            lines.append(t("sale-promoted", tier=result.tier.title.in_(t.language)))
        await message.answer("\n".join(lines))
        await announce(self.bot, self.texts, result.notices)
        if result.promoted and result.telegram_id is not None:
            member_t = self.texts[result.language]
            await tell(
                self.bot, result.telegram_id, member_t("notice-promoted", tier=result.tier.title.in_(result.language))
            )
        await follow_purchases(self.bot, self.texts, self.session, self.programme, result.member_id)
        return True

    async def redeem(self, message: Message, actor: Actor, member: str, points: str, update: Update) -> bool:
        """Spend the member's points and tell the cashier and the member; True when it was new."""
        try:
            result = await redemption.redeem_points(
                self.session,
                self.programme,
                self.cards,
                actor,
                member=member,
                points=points,
                update_id=update.update_id,
                now=utcnow(),
            )
        except LimitExceeded as breach:
            await self._owners_hear_of(actor, breach)
            raise
        if not result.created:
            await message.answer(self.t("redeem-already"))
            return False
        await message.answer(
            self.t("redeem-done", number=shown(result.member_id), points=result.points, balance=result.balance)
        )
        await announce(self.bot, self.texts, result.notices)
        return True
