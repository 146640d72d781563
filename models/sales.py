"""Recording a sale at the till and reversing it: points earned, tier recomputed, the referral paid, all audited.

Earning rule: points = amount x `earning.points_per_100` / 100 x the multiplier of the tier the member holds *before*
the sale, computed exactly and rounded once at the end by `earning.rounding` ("down" by default: 5 points per 100
on 199.99 is 9 points). The sale then counts towards the tier, so a promotion takes effect from the next sale.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, ledger, lookup
from models.accounts import tier_for
from models.amounts import parse_amount, parse_category, parse_receipt
from models.cards import CardSigner
from models.errors import DomainError, LimitExceeded, UnknownReceipt
from models.members import Member
from models.programme import Programme, Tier
from models.purchases import Purchase, spend_in_window
from models.staff import Actor, Limits, limits_for

EARNING_KINDS = ("sale", "redeem")  # what a cashier's points-per-day limit counts
T = TypeVar("T")


def points_for(programme: Programme, amount_cents: int, tier: Tier) -> int:
    exact = Decimal(amount_cents) / 100 * programme.earning.points_per_100 / 100 * tier.multiplier
    rounding = ROUND_HALF_UP if programme.earning.rounding == "half_up" else ROUND_DOWN
    return int(exact.quantize(Decimal(1), rounding=rounding))


def business_day_start(programme: Programme, now: datetime) -> datetime:
    zone = ZoneInfo(programme.timezone or "UTC")
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def points_today(session: AsyncSession, programme: Programme, staff_id: int, now: datetime) -> int:
    """Points a staff member has awarded or redeemed since the business day began."""
    total = await session.scalar(
        select(func.coalesce(func.sum(func.abs(ledger.LedgerEntry.amount)), 0)).where(
            ledger.LedgerEntry.actor_id == staff_id,
            ledger.LedgerEntry.kind.in_(EARNING_KINDS),
            ledger.LedgerEntry.created_at >= business_day_start(programme, now),
        )
    )
    return int(total or 0)


async def check_daily_points(
    session: AsyncSession, programme: Programme, actor: Actor, limits: Limits, points: int, now: datetime
) -> None:
    if limits.points_per_day is None or points == 0:
        return
    used = await points_today(session, programme, actor.telegram_id, now)
    if used + points > limits.points_per_day:
        raise LimitExceeded(limit="points_per_day", allowed=limits.points_per_day, used=used, asked=points)


async def settle(session: AsyncSession, actor: Actor, now: datetime, work: Awaitable[T]) -> T:
    """Commit the work of one staff action, or roll it back on a refusal; a limit breach is kept in the audit trail."""
    try:
        result = await work
    except LimitExceeded as breach:
        await session.rollback()
        detail = " ".join(f"{name}={value}" for name, value in breach.details.items())
        await audit.record(session, actor, "limit.breach", now=now, detail=detail[:200])
        await session.commit()
        raise
    except DomainError:
        await session.rollback()
        raise
    await session.commit()
    return result


@dataclass(frozen=True)
class SaleResult:
    created: bool
    member_id: int
    receipt: str | None
    amount_cents: int
    points: int
    balance: int
    tier: Tier
    promoted: bool
    notices: tuple[ledger.Notice, ...]
    telegram_id: int | None  # where the member hears of a promotion
    language: str


async def _retier(session: AsyncSession, programme: Programme, member: Member, now: datetime) -> bool:
    """Set the member's tier from their rolling spend; True when they moved up."""
    spend = await spend_in_window(session, member.id, days=programme.tiers.window_days, now=now)
    new = tier_for(programme, spend)
    old = programme.tier(member.tier)
    if new.name == old.name:
        return False
    member.tier = new.name
    levels = programme.tiers.levels
    return levels.index(new) > levels.index(old)


async def _pay_referral(
    session: AsyncSession, programme: Programme, member: Member, now: datetime
) -> list[ledger.Posted]:
    """On the invited member's first purchase: the inviter's bonus and the newcomer's, once (key `referral:<id>`)."""
    inviter_id = member.referred_by_id
    bonuses = programme.bonuses
    if inviter_id is None or inviter_id == member.id or await ledger.find(session, f"referral:{member.id}"):
        return []
    expires = now + timedelta(days=programme.expiry.days)
    paid = []
    inviter = await session.scalar(select(Member.forgotten_at).where(Member.id == inviter_id))
    if bonuses.referral_inviter and inviter is None:
        paid.append(
            await ledger.credit(
                session,
                member_id=inviter_id,
                points=bonuses.referral_inviter,
                kind="referral",
                reason=str(member.id),
                key=f"referral:{member.id}",
                now=now,
                expires_at=expires,
                rule="bonuses.referral_inviter",
            )
        )
    if bonuses.referral_invitee:
        paid.append(
            await ledger.credit(
                session,
                member_id=member.id,
                points=bonuses.referral_invitee,
                kind="referral",
                reason=str(inviter_id),
                key=f"referral:{member.id}:invitee",
                now=now,
                expires_at=expires,
                rule="bonuses.referral_invitee",
            )
        )
    return paid


async def _notices(session: AsyncSession, posted: list[ledger.Posted]) -> tuple[ledger.Notice, ...]:
    found = [await ledger.notice(session, item) for item in posted]
    return tuple(item for item in found if item is not None)


async def _replayed_sale(session: AsyncSession, programme: Programme, purchase: Purchase, key: str) -> SaleResult:
    member = await session.get_one(Member, purchase.member_id)
    entry = await ledger.find(session, key)
    return SaleResult(
        False,
        member.id,
        purchase.receipt,
        purchase.amount_cents,
        0 if entry is None else entry.amount,
        member.balance,
        programme.tier(member.tier),
        False,
        (),
        member.telegram_id,
        member.language,
    )


async def sale_in_transaction(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    *,
    member: str,
    amount: str,
    category: str | None,
    receipt: str | None,
    update_id: int,
    now: datetime,
) -> SaleResult:
    """The work of one sale inside the caller's transaction: it neither commits nor rolls back."""
    amount_cents = parse_amount(amount, programme)
    category_name = parse_category(category, programme)
    receipt_number = None if receipt is None else parse_receipt(receipt)
    key = f"sale:{receipt_number}" if receipt_number else f"sale:upd:{update_id}"
    member_id = await lookup.member_id(session, member, cards, now)
    row = await lookup.lock(session, member_id, member)
    if (earlier := await session.scalar(select(Purchase).where(Purchase.key == key))) is not None:
        return await _replayed_sale(session, programme, earlier, key)
    tier = programme.tier(row.tier)
    points = points_for(programme, amount_cents, tier)
    limits = await limits_for(session, programme, actor)
    if limits.max_sale_cents is not None and amount_cents > limits.max_sale_cents:
        raise LimitExceeded(limit="max_sale", allowed=limits.max_sale_cents // 100, asked=amount)
    await check_daily_points(session, programme, actor, limits, points, now)
    session.add(
        Purchase(
            member_id=member_id,
            amount_cents=amount_cents,
            category=category_name,
            receipt=receipt_number,
            key=key,
            staff_id=actor.telegram_id,
            created_at=now,
        )
    )
    await session.flush()
    posted = []
    if points:
        posted.append(
            await ledger.credit(
                session,
                member_id=member_id,
                points=points,
                kind="sale",
                reason=f"#{receipt_number}" if receipt_number else "",
                key=key,
                now=now,
                expires_at=now + timedelta(days=programme.expiry.days),
                rule=f"earning x{tier.multiplier}",
                actor_id=actor.telegram_id,
            )
        )
    posted += await _pay_referral(session, programme, row, now)
    promoted = await _retier(session, programme, row, now)
    detail = f"amount_cents={amount_cents} points={points} category={category_name or '-'}"
    await audit.record(session, actor, "sale", now=now, member_id=member_id, subject=key, detail=detail)
    await session.flush()
    return SaleResult(
        True,
        member_id,
        receipt_number,
        amount_cents,
        points,
        row.balance,
        programme.tier(row.tier),
        promoted,
        await _notices(session, posted),
        row.telegram_id,
        row.language,
    )


async def record_sale(
    session: AsyncSession,
    programme: Programme,
    cards: CardSigner,
    actor: Actor,
    *,
    member: str,
    amount: str,
    category: str | None,
    receipt: str | None,
    update_id: int,
    now: datetime,
) -> SaleResult:
    """Record a purchase and its points, once per receipt (or per Telegram update without one); commits.

    A limit breach is refused, changes nothing but the audit trail, and raises LimitExceeded for owners to hear of.
    """
    work = sale_in_transaction(
        session,
        programme,
        cards,
        actor,
        member=member,
        amount=amount,
        category=category,
        receipt=receipt,
        update_id=update_id,
        now=now,
    )
    return await settle(session, actor, now, work)


@dataclass(frozen=True)
class RefundResult:
    created: bool
    member_id: int
    receipt: str
    amount_cents: int
    points_back: int
    unrecovered: int
    balance: int
    notices: tuple[ledger.Notice, ...]


async def refund(
    session: AsyncSession, programme: Programme, actor: Actor, *, receipt: str, now: datetime
) -> RefundResult:
    """Mark the receipt's purchase refunded and take its points back (see `ledger.reverse`); once; commits.

    Points the member already spent are not clawed back below zero: `unrecovered` says how many, and the
    cashier is told. A referral bonus the sale triggered stays paid.
    """
    number = parse_receipt(receipt)
    purchase = await session.scalar(select(Purchase).where(Purchase.receipt == number))
    if purchase is None:
        await session.rollback()
        raise UnknownReceipt(receipt=number)
    row = await lookup.lock(session, purchase.member_id)
    await session.refresh(purchase)
    if purchase.refunded_at is not None:
        done = await ledger.find(session, f"refund:{number}")
        back = 0 if done is None else -done.amount
        replay = RefundResult(False, row.id, number, purchase.amount_cents, back, 0, row.balance, ())
        await session.rollback()
        return replay
    purchase.refunded_at = now
    reversal = ledger.Reversal(None, 0)
    if purchase.key is not None and await ledger.find(session, purchase.key) is not None:
        reversal = await ledger.reverse(
            session,
            entry_key=purchase.key,
            key=f"refund:{number}",
            kind="refund",
            reason=f"#{number}",
            now=now,
            actor_id=actor.telegram_id,
        )
    await _retier(session, programme, row, now)
    back = 0 if reversal.posted is None else -reversal.posted.amount
    detail = f"amount_cents={purchase.amount_cents} points_back={back} unrecovered={reversal.unrecovered}"
    await audit.record(session, actor, "refund", now=now, member_id=row.id, subject=f"refund:{number}", detail=detail)
    await session.refresh(row)
    notices = await _notices(session, [] if reversal.posted is None else [reversal.posted])
    result = RefundResult(True, row.id, number, purchase.amount_cents, back, reversal.unrecovered, row.balance, notices)
    await session.commit()
    return result
