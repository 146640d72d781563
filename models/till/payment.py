"""Paying part of a bill with points: what points are worth, how many may pay a bill, and the quote shown first.

Rule: a point pays `point_value` of money; points may pay at most `max_pay_share` of a bill, and never more than the
member can spend. Points are spent before the sale earns (oldest lots first, as any spending), and the sale earns
only on the part paid in money. A refund gives the points spent back, each share with the expiry of the lot it came
from (`models.points.ledger.restore`), and takes back what the money part earned.

The cashier is shown a `Quote` (what the points cover, what remains to pay) and confirms; the desk then spends
exactly the quoted points, refusing if the member's points changed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.core.amounts import parse_amount, parse_category, parse_pay, parse_quantity, parse_receipt
from models.core.errors import CannotPayWithPoints, MemberForgotten, OwnMembership, UnknownMember
from models.core.programme import Programme
from models.members import lookup
from models.members.cards import CardSigner
from models.members.registry import Member
from models.points import ledger
from models.team.staff import Actor


def pay_key(sale_key: str) -> str:
    """The ledger key of the points a sale spent: its own key with `:pay`."""
    return f"{sale_key}:pay"


def worth_cents(programme: Programme, points: int) -> int | None:
    """What `points` pay at the till, in cents; None when points do not pay bills in this programme."""
    if programme.point_value is None:
        return None
    return int(points * programme.point_value * 100)


def most_points(programme: Programme, amount_cents: int) -> int:
    """The most points that may pay a bill of `amount_cents`: `max_pay_share` of it, in whole points."""
    assert programme.point_value is not None
    share = Decimal(amount_cents) * programme.max_pay_share / (programme.point_value * 100)
    return int(share.to_integral_value(rounding=ROUND_DOWN))


def share_percent(programme: Programme) -> str:
    return f"{programme.max_pay_share * 100:.0f}"


def points_to_pay(programme: Programme, amount_cents: int, balance: int, asked: int | None) -> int:
    """The points that pay the bill: `asked`, or the most allowed when None (`pay=max`); a refusal says what to type."""
    if programme.point_value is None:
        raise CannotPayWithPoints(reason="off")
    allowed = min(balance, most_points(programme, amount_cents))
    if allowed == 0:
        raise CannotPayWithPoints(reason="nothing", balance=balance)
    if asked is None:
        return allowed
    if asked > balance:
        raise CannotPayWithPoints(reason="balance", balance=balance, asked=asked, allowed=allowed)
    if asked > allowed:
        raise CannotPayWithPoints(reason="share", share=share_percent(programme), asked=asked, allowed=allowed)
    return asked


@dataclass(frozen=True)
class Quote:
    """What paying with points would do to a bill, for the cashier to confirm."""

    member_id: int
    amount_cents: int
    points: int
    covered_cents: int
    balance: int  # the points the member can spend now

    @property
    def remaining_cents(self) -> int:
        return self.amount_cents - self.covered_cents


async def quote(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    *,
    member: str,
    amount: str,
    category: str | None,
    receipt: str | None,
    quantity: str | None,
    pay: str,
    now: datetime,
) -> Quote:
    """Read the sale as typed (every part checked, so that a mistake is answered before the confirmation) and the
    member's points; changes nothing."""
    amount_cents = parse_amount(amount, programme)
    parse_category(category, programme)
    if receipt is not None:
        parse_receipt(receipt)
    parse_quantity(quantity)
    asked = parse_pay(pay)
    member_id = await lookup.member_id(session, member, cards, now)
    row = (
        await session.execute(
            select(Member.telegram_id, Member.forgotten_at, ledger.spendable(now)).where(Member.id == member_id)
        )
    ).one_or_none()
    if row is None:
        raise UnknownMember(member=member)
    if row.forgotten_at is not None:
        raise MemberForgotten()
    if row.telegram_id == actor.telegram_id:
        raise OwnMembership()
    balance = int(row[2])
    points = points_to_pay(programme, amount_cents, balance, asked)
    covered = worth_cents(programme, points) or 0
    return Quote(member_id, amount_cents, points, covered, balance)
