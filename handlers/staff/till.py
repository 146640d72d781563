"""What /sale, /redeem and the member panel's buttons share: reading the words typed, recording, telling everyone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.formatting import money
from handlers.i18n import Translator
from handlers.notices import optional
from models.core.base import utcnow
from models.core.errors import DomainError
from models.core.programme import Programme
from models.core.updates import UpdateWork
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.offers.recompute import refresh_member
from models.team.staff import Actor, Role
from models.till import redemption
from models.till.desk import SalesDesk
from models.till.sales import SaleRequest, source_of


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


def said(message: Message) -> str:
    """The source of a sale or redemption typed as a command: the message itself."""
    return source_of("msg", message.chat.id, message.message_id)


def follow_purchases(work: UpdateWork, programme: Programme, member_id: int) -> None:
    """The member's analytics follow each change to their purchases (a sale, a refund), once it is committed; what
    that pays out (a collection completed) is announced through the outbox."""

    async def refresh(session: AsyncSession) -> None:
        await refresh_member(session, programme, member_id, utcnow())

    work.follow_up(refresh)


class TillMiddleware(BaseMiddleware):
    """Gathers what a till action needs into one `till` argument for the handlers of a staff router."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["till"] = Till(data["t"], data["work"], data["programme"], data["cards"], data["sales_desk"])
        return await handler(event, data)


@dataclass(frozen=True)
class Till:
    """The services one till action needs, gathered from the handler's data."""

    t: Translator
    work: UpdateWork
    programme: Programme
    cards: CardSigner
    desk: SalesDesk

    @property
    def session(self) -> AsyncSession:
        return self.work.session

    async def sale(self, message: Message, actor: Actor, member: str, words: SaleWords, source: str) -> bool:
        """Record the sale (with the record that the update was handled) and tell the cashier; the member hears of
        it through the outbox. `source` is what asked for it (`source_of`). True when it was new."""
        request = SaleRequest(actor, member, words.amount, words.category, words.receipt, source, self.work.update_id)
        await self.work.pause()  # the desk writes the sale; this update's reads hold no connection meanwhile
        try:
            result = await self.desk.record(request)
        except DomainError:
            self.work.settled_elsewhere()  # the desk committed the record with the refusal (and its trail)
            raise
        self.work.settled_elsewhere()  # the desk committed the record with the sale
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
        follow_purchases(self.work, self.programme, result.member_id)
        return True

    async def redeem(self, message: Message, actor: Actor, member: str, points: str, source: str) -> bool:
        """Spend the member's points and tell the cashier and the member; True when it was new."""
        result = await redemption.redeem_points(
            self.session,
            self.programme,
            self.cards,
            actor,
            member=member,
            points=points,
            source=source,
            now=utcnow(),
        )
        if not result.created:
            await message.answer(self.t("redeem-already"))
            return False
        await message.answer(
            self.t("redeem-done", number=shown(result.member_id), points=result.points, balance=result.balance)
        )
        return True
