"""Refunds: a sale reversed by its receipt, its points taken back without ever making a balance negative.

A refund gives back the points that paid part of the sale (each share with the expiry of the lot it came from) and
takes back what the sale paid and what it alone earned: its stamps (`models.till.stamps.take_back`, which withdraws
an unused reward coupon they completed), the referral bonuses, when no other standing purchase would have paid them
(a collection it leaves incomplete is taken back when the member's analytics follow,
`models.offers.collections.take_back_broken`).
Points that could not be taken back (the member spent them) are reported to owners. A cashier refunds only sales
within their `max_sale` and the programme's `staff.refund_window_days`; others need an admin or owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.days import forget_day
from models.core import clock, outbox
from models.core.amounts import parse_receipt
from models.core.errors import RefundNeedsManager, UnknownReceipt
from models.core.programme import Programme
from models.core.uow import writing
from models.members import numbers
from models.members.registry import Member, lock_member
from models.points import ledger
from models.points.purchases import Purchase, spend_in_window
from models.points.tiers import moved, rank, tier_for
from models.team import audit
from models.team.staff import Actor, place
from models.till.limits import Tally
from models.till.payment import pay_key
from models.till.stamps import TakenBack, take_back


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
    returned: int = 0  # points that had paid part of the sale, given back
    stamps: tuple[TakenBack, ...] = ()


async def refund(
    session: AsyncSession,
    programme: Programme,
    actor: Actor,
    *,
    receipt: str,
    now: datetime,
) -> RefundResult:
    """Mark the receipt's purchase refunded and take its points back (see `ledger.reverse`); once.

    Points the member already spent are not clawed back below zero: `unrecovered` says how many, the cashier is
    told and so are owners (through the outbox). The bonuses the sale alone earned are reversed too (see the module).
    A tier the purchase was needed for is taken away (see `_tier_without`). RefundNeedsManager when a cashier asks
    for more than they may.
    """
    await writing(session)
    number = parse_receipt(receipt)
    actor = await place(session, programme, actor)
    purchase = await session.scalar(select(Purchase).where(Purchase.receipt == number))
    if purchase is None:
        raise UnknownReceipt(receipt=number)
    if purchase.refunded_at is None:
        await _within_cashiers_reach(session, programme, actor, purchase, now)
    row = await lock_member(session, purchase.member_id)
    await session.refresh(purchase)
    if purchase.refunded_at is not None:
        done = await ledger.find(session, f"refund:{number}")
        back = 0 if done is None else -done.amount
        return RefundResult(False, row.id, number, purchase.amount_cents, back, 0, row.balance, ())
    purchase.refunded_at = now
    await forget_day(session, programme, purchase.created_at)  # its day's figures changed (a closed day's are kept)
    returned = []
    if purchase.key is not None and await ledger.find(session, pay_key(purchase.key)) is not None:
        returned = await ledger.restore(
            session,
            debit_key=pay_key(purchase.key),
            key=f"refund:{number}:pay",
            kind="refund",
            reason=f"#{number}",
            now=now,
            zone=clock.zone(programme),
            rule="point_value",
        )
    reversal = ledger.Reversal(None, 0)
    if purchase.key is not None and await ledger.find(session, purchase.key) is not None:
        reversal = await ledger.reverse(
            session,
            entry_key=purchase.key,
            key=f"refund:{number}",
            kind="refund",
            reason=f"#{number}",
            now=now,
            zone=clock.zone(programme),
            actor_id=actor.telegram_id,
            branch=actor.branch,
        )
    stamps = [] if purchase.key is None else await take_back(session, programme, purchase.key, now)
    await session.flush()
    unrecovered = reversal.unrecovered + await _reverse_bonuses(session, programme, actor, purchase, number, now)
    if unrecovered:
        payload = {"receipt": number, "member": numbers.shown(row.id), "points": unrecovered, "by": actor.telegram_id}
        await outbox.post(session, [outbox.Message(outbox.OWNERS, outbox.REFUND_SHORTFALL, payload)], now)
    await _tier_without(session, programme, row, purchase, now)
    back = 0 if reversal.posted is None else -reversal.posted.amount
    given = sum(posted.amount for posted in returned)
    detail = f"amount_cents={purchase.amount_cents} points_back={back} unrecovered={unrecovered} returned={given}"
    await audit.record(session, actor, "refund", now=now, member_id=row.id, subject=f"refund:{number}", detail=detail)
    await session.refresh(row, ["balance"])
    main = reversal.posted or (returned[-1] if returned else None)
    news = None if main is None else await ledger.announce(session, main, _refund_extras(given, stamps))
    return RefundResult(
        True,
        row.id,
        number,
        purchase.amount_cents,
        back,
        unrecovered,
        row.balance,
        () if news is None else (news,),
        given,
        tuple(stamps),
    )


def _refund_extras(returned: int, stamps: list[TakenBack]) -> dict[str, object]:
    """What the refund's notice says beyond its entry: the points given back, the stamp cards after it."""
    extra: dict[str, object] = {}
    if returned:
        extra["returned"] = returned
    if stamps:
        extra["stamps"] = [[taken.progress.card.id, taken.progress.have] for taken in stamps]
        if withdrawn := sum(len(taken.withdrawn) for taken in stamps):
            extra["withdrawn"] = withdrawn
    return extra


async def _tier_without(
    session: AsyncSession, programme: Programme, member: Member, purchase: Purchase, now: datetime
) -> None:
    """Take away, at once and announced, a tier the refunded purchase was needed for: there is no grace for a tier
    never earned. A member already below their tier for other reasons keeps the grace the nightly review gives."""
    window = programme.tiers.window_days
    spend = await spend_in_window(session, member.id, days=window, now=now)
    counted = purchase.amount_cents if purchase.created_at >= now - timedelta(days=window) else 0
    held, due = programme.tier(member.tier), tier_for(programme, spend)
    if rank(programme, due) < rank(programme, held) and tier_for(programme, spend + counted) != due:
        member.tier = due.name
        await outbox.post(session, moved(programme, member.telegram_id, member.language, held, due), now)


async def _within_cashiers_reach(
    session: AsyncSession, programme: Programme, actor: Actor, purchase: Purchase, now: datetime
) -> None:
    """Refuse a cashier a refund above their `max_sale` or older than the refund window."""
    limits = (await Tally.load(session, programme, [actor], now)).limits_of(actor)
    if limits is None:
        return
    if limits.max_sale_cents is not None and purchase.amount_cents > limits.max_sale_cents:
        raise RefundNeedsManager(
            reason="max_sale", allowed=limits.max_sale_cents // 100, amount=f"{purchase.amount_cents / 100:.2f}"
        )
    days = programme.staff.refund_window_days
    if purchase.created_at < now - timedelta(days=days):
        raise RefundNeedsManager(reason="window", days=days)


async def _reverse_bonuses(
    session: AsyncSession, programme: Programme, actor: Actor, purchase: Purchase, receipt: str, now: datetime
) -> int:
    """Reverse the bonuses the refunded purchase alone earned; returns the points that could not be taken back."""
    standing = select(Purchase.category).where(Purchase.member_id == purchase.member_id, Purchase.refunded_at.is_(None))
    keys = []
    least = int(programme.bonuses.referral_min_purchase * 100)
    if purchase.amount_cents >= least:
        others = await session.scalar(
            select(func.count()).select_from(standing.where(Purchase.amount_cents >= least).subquery())
        )
        if not others:
            keys += [f"referral:{purchase.member_id}", f"referral:{purchase.member_id}:invitee"]
    unrecovered = 0
    for key in keys:
        if await ledger.find(session, key) is None or await ledger.find(session, f"{key}:refunded") is not None:
            continue
        reversal = await ledger.reverse(
            session,
            entry_key=key,
            key=f"{key}:refunded",
            kind="refund",
            reason=f"#{receipt}",
            now=now,
            zone=clock.zone(programme),
            actor_id=actor.telegram_id,
            branch=actor.branch,
        )
        unrecovered += reversal.unrecovered
        if reversal.posted is not None:
            await ledger.announce(session, reversal.posted)
    return unrecovered
