"""What /sale, /redeem and the member panel's buttons share: reading the words typed, recording, telling everyone.

A sale that pays with points (`pay=`) is quoted first: the cashier sees what the points cover and what remains to
pay, and confirms with a button (`handlers.staff.pay`); the quote waits in the cashier's dialogue state meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import PayAnswer
from handlers.formatting import money
from handlers.i18n import Translator
from handlers.notices import optional
from handlers.till_lines import paid_line, promotion_line, reward_lines, stamp_lines
from models.core.amounts import looks_like_quantity
from models.core.base import utcnow
from models.core.errors import DomainError
from models.core.programme import Programme
from models.core.updates import UpdateWork
from models.members.cards import CardSigner
from models.members.numbers import shown
from models.offers.recompute import refresh_member
from models.points import promotions
from models.team.staff import Actor, Role
from models.till import payment, redemption
from models.till.desk import SalesDesk
from models.till.sales import SaleRequest, SaleResult, source_of


@dataclass(frozen=True)
class SaleWords:
    """A sale as typed: `<amount> [category] [#receipt] [x<N>] [pay=<points|max>]`, after the member when the
    command names one."""

    amount: str
    category: str | None
    receipt: str | None
    quantity: str | None = None
    pay: str | None = None


def read_sale(words: list[str], pay: str | None = None) -> SaleWords | None:
    """Split `450.50 coffee #A-1 x2 pay=max` into its parts (`pay` when no pay= is typed); None when the shape is
    wrong (the usage text is due)."""
    receipts = [word for word in words if word.startswith("#")]
    pays = [word for word in words if word.lower().startswith("pay=")]
    quantities = [word for word in words if looks_like_quantity(word)]
    rest = [word for word in words if word not in (*receipts, *pays, *quantities)]
    if len(receipts) > 1 or len(pays) > 1 or len(quantities) > 1 or not 1 <= len(rest) <= 2:
        return None
    return SaleWords(
        rest[0],
        rest[1] if len(rest) == 2 else None,
        receipts[0] if receipts else None,
        quantities[0] if quantities else None,
        pays[0] if pays else pay,
    )


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
        data["till"] = Till(
            data["t"], data["work"], data["programme"], data["cards"], data["sales_desk"], data["state"]
        )
        return await handler(event, data)


@dataclass(frozen=True)
class Till:
    """The services one till action needs, gathered from the handler's data."""

    t: Translator
    work: UpdateWork
    programme: Programme
    cards: CardSigner
    desk: SalesDesk
    state: FSMContext

    @property
    def session(self) -> AsyncSession:
        return self.work.session

    async def sell(self, message: Message, actor: Actor, member: str, words: SaleWords, source: str) -> None:
        """A sale as typed: recorded at once, or quoted for confirmation when points pay part of it."""
        if words.pay is None:
            await self.sale(message, actor, member, words, source)
        else:
            await self.quote(message, actor, member, words)

    async def quote(self, message: Message, actor: Actor, member: str, words: SaleWords) -> None:
        """Show what the points would cover and what remains to pay, with Confirm and Cancel; nothing is recorded
        until Confirm (the quote waits in the dialogue state, keyed by the quote's message)."""
        assert words.pay is not None
        found = await payment.quote(
            self.session,
            self.programme,
            self.cards,
            actor,
            member=member,
            amount=words.amount,
            category=words.category,
            receipt=words.receipt,
            quantity=words.quantity,
            pay=words.pay,
            now=utcnow(),
        )
        t, currency = self.t, self.programme.currency
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text=t.raw("pay-confirm"), callback_data=PayAnswer(confirm=True).pack()),
                    InlineKeyboardButton(text=t.raw("pay-cancel"), callback_data=PayAnswer(confirm=False).pack()),
                ]
            ]
        )
        text = t(
            "pay-quote",
            number=shown(found.member_id),
            points=found.points,
            amount=money(found.amount_cents),
            currency=currency,
            receipt=optional(words.receipt.lstrip("#") if words.receipt else None),
            covered=money(found.covered_cents),
            remaining=money(found.remaining_cents),
        )
        asked = await message.answer(text, reply_markup=keyboard)
        sale: dict[str, str | int | None] = {"member": member, "amount": words.amount, "category": words.category}
        sale |= {"receipt": words.receipt, "quantity": words.quantity, "points": found.points}
        sale["quote"] = asked.message_id
        await self.state.update_data(pay=sale)

    async def sale(
        self, message: Message, actor: Actor, member: str, words: SaleWords, source: str, pay_points: int = 0
    ) -> bool:
        """Record the sale (with the record that the update was handled) and tell the cashier; the member hears of
        it through the outbox. `source` is what asked for it (`source_of`); `pay_points` what the cashier confirmed
        points pay. True when it was new."""
        request = SaleRequest(
            actor,
            member,
            words.amount,
            words.category,
            words.receipt,
            source,
            self.work.update_id,
            words.quantity,
            pay_points,
        )
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
        lines += self._more(result)
        if result.promoted:
            lines.append(t("sale-promoted", tier=result.tier.title.in_(t.language)))
        await message.answer("\n".join(lines))
        follow_purchases(self.work, self.programme, result.member_id)
        return True

    def _more(self, result: SaleResult) -> list[str]:
        """What the cashier hears beyond the points: what points paid, the promotion, stamps and rewards."""
        t, programme = self.t, self.programme
        lines = []
        if result.paid_points:
            covered = result.covered_cents
            remaining = result.amount_cents - covered
            lines.append(paid_line(t, programme, points=result.paid_points, covered=covered, remaining=remaining))
        if result.promotion is not None:
            ends = promotions.until(programme, result.promotion, utcnow())
            lines += promotion_line(t, programme, result.promotion.id, {} if ends is None else {ends.kind: ends.value})
        lines += stamp_lines(t, programme, ((card.card.id, card.have) for card in result.stamps))
        return lines + reward_lines(t, programme, result.rewards, "sale-reward")

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
